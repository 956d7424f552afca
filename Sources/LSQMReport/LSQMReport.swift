// LSQMReport

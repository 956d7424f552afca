// LSQMHost

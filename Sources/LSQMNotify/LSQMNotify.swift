// LSQMNotify

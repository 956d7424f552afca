// LSQMPush

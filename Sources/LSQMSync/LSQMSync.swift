// LSQMSync

// LSQMTestSupport

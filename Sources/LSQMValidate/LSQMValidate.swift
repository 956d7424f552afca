// LSQMValidate

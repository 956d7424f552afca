// LSQMGenerate

// LSQMPluginKit

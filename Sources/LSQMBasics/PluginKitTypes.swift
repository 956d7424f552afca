import LSQMPluginKit

@_exported import enum LSQMPluginKit.JSONCoding
// JSONValue and JSONCoding live in LSQMPluginKit, so that the kit plugin authors import stands alone (issue 15,
// item 7); the host sees them through LSQMBasics as before.
@_exported import enum LSQMPluginKit.JSONValue

/// An LSQMError thrown inside a Swift plugin reaches the host as its own sentence.
extension LSQMError: PluginErrorConvertible {
    public var pluginError: PluginError { PluginError(message) }
}

import Foundation
import LSQMPluginKit

/// The one error shape lsqm shows people: `failed to <action>: <cause>`, plus what they can do about it.
///
/// Every layer throws (or wraps into) this type so the CLI can print one clear line and pick an exit code,
/// and the JSON log can carry `{type, message}` without string parsing.
public struct LSQMError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Broad class of failure, used for exit codes and the `error.type` field of JSON logs.
    public enum Kind: String, Sendable, Codable {
        /// The user gave something invalid (flag, config, path).
        case usage
        /// The environment is missing something (a tool, a provider, a daemon).
        case environment
        /// Input data is malformed (a template, an index file).
        case invalidInput = "invalid_input"
        /// A plugin failed, crashed or was refused.
        case plugin
        /// A remote service failed.
        case remote
        /// The operation was cancelled or timed out.
        case cancelled
        /// Not built yet: never reported as success.
        case notImplemented = "not_implemented"
        /// Anything else: a bug or an unexpected OS failure.
        case `internal`
    }

    public var kind: Kind
    /// What lsqm was trying to do, as a verb phrase: "load plugin /x/y.so".
    public var action: String
    /// Why it failed: "not an ELF file".
    public var cause: String
    /// What the user can do next, when there is something useful to say.
    public var hint: String?

    public init(_ kind: Kind = .internal, action: String, cause: String, hint: String? = nil) {
        self.kind = kind
        self.action = action
        self.cause = cause
        self.hint = hint
    }

    /// `failed to <action>: <cause>`
    public var message: String { "failed to \(action): \(cause)" }

    public var description: String {
        guard let hint else { return message }
        return "\(message)\n  hint: \(hint)"
    }

    /// Wraps any error as the cause of a failed action, keeping an LSQMError's kind and hint.
    public static func wrap(_ error: any Error, action: String, kind: Kind = .internal, hint: String? = nil) -> LSQMError {
        if let lsqm = error as? LSQMError {
            return LSQMError(lsqm.kind, action: action, cause: lsqm.message, hint: hint ?? lsqm.hint)
        }
        return LSQMError(kind, action: action, cause: describe(error), hint: hint)
    }

    /// A readable one-line description of an arbitrary error (Foundation errors print poorly by default).
    public static func describe(_ error: any Error) -> String {
        if let lsqm = error as? LSQMError { return lsqm.message }
        // Decoding and system errors read the same for the host and for plugins.
        return PluginError.describe(error)
    }
}

extension LSQMError {
    public static func notImplemented(_ command: String) -> LSQMError {
        LSQMError(
            .notImplemented, action: "run '\(command)'", cause: "not implemented yet",
            hint: "this stage is not built in this version of lsqm")
    }
}

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

    /// Which failure this is, when a caller decides something by it (async-http-client's `HTTPClientError`
    /// shape: a private enum behind public static values). Callers match `error.code == .pluginCrashed` or
    /// `case LSQMError.Code.pluginCrashed` instead of searching the message, so rewording a message never
    /// changes a decision.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unspecified
            case httpStatus(Int)
            case notAPlugin
            case pluginRefused
            case pluginCrashed
            case pluginTimedOut
            case pluginAnswerTooLarge
            case pluginNullResponse
            case pluginFailed
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Nothing a caller decides by: the message says it all.
        public static let unspecified = Code(.unspecified)
        /// A remote service answered with this HTTP status.
        public static func httpStatus(_ status: Int) -> Code { Code(.httpStatus(status)) }
        /// The file is not an lsqm plugin at all (not ELF, no entry symbol).
        public static let notAPlugin = Code(.notAPlugin)
        /// The file is a plugin the host refused (ABI, sizes, name).
        public static let pluginRefused = Code(.pluginRefused)
        /// The plugin's worker died (signal or exit) during a call.
        public static let pluginCrashed = Code(.pluginCrashed)
        /// The plugin did not answer within its call timeout and its worker was killed.
        public static let pluginTimedOut = Code(.pluginTimedOut)
        /// The plugin's answer was over the host's per-message limit.
        public static let pluginAnswerTooLarge = Code(.pluginAnswerTooLarge)
        /// The plugin returned LSQM_OK without a response where one is required.
        public static let pluginNullResponse = Code(.pluginNullResponse)
        /// The plugin returned an error object through the ABI: a clean failure, within the contract.
        public static let pluginFailed = Code(.pluginFailed)

        /// The status of an `.httpStatus` code.
        public var httpStatus: Int? {
            if case .httpStatus(let status) = value { return status }
            return nil
        }

        /// A crash, a hang, an oversized answer or LSQM_OK without a response: the plugin broke the ABI's
        /// contract (what `plugins check` fails), as opposed to reporting an error through it.
        public var isPluginContractViolation: Bool {
            [.pluginCrashed, .pluginTimedOut, .pluginAnswerTooLarge, .pluginNullResponse].contains(self)
        }

        public var description: String {
            switch value {
            case .unspecified: "unspecified"
            case .httpStatus(let status): "http_status_\(status)"
            case .notAPlugin: "not_a_plugin"
            case .pluginRefused: "plugin_refused"
            case .pluginCrashed: "plugin_crashed"
            case .pluginTimedOut: "plugin_timed_out"
            case .pluginAnswerTooLarge: "plugin_answer_too_large"
            case .pluginNullResponse: "plugin_null_response"
            case .pluginFailed: "plugin_failed"
            }
        }

        /// `case LSQMError.Code.pluginCrashed:` in a `switch error` or `catch`.
        public static func ~= (pattern: Code, error: any Error) -> Bool {
            (error as? LSQMError)?.code == pattern
        }
    }

    public var kind: Kind
    /// Which failure this is, for callers that decide by it (never part of the printed message).
    public var code: Code
    /// What lsqm was trying to do, as a verb phrase: "load plugin /x/y.so".
    public var action: String
    /// Why it failed: "not an ELF file".
    public var cause: String
    /// What the user can do next, when there is something useful to say.
    public var hint: String?

    public init(_ kind: Kind = .internal, code: Code = .unspecified, action: String, cause: String, hint: String? = nil) {
        self.kind = kind
        self.code = code
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

    /// Wraps any error as the cause of a failed action, keeping an LSQMError's kind, code and hint.
    public static func wrap(_ error: any Error, action: String, kind: Kind = .internal, hint: String? = nil) -> LSQMError {
        if let lsqm = error as? LSQMError {
            return LSQMError(lsqm.kind, code: lsqm.code, action: action, cause: lsqm.message, hint: hint ?? lsqm.hint)
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

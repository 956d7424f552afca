import Foundation
import Logging

public enum LogLevel: Int, Sendable, Comparable, Codable, CaseIterable {
    case debug, info, warning, error

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }

    public var swiftLogLevel: Logging.Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }

    /// swift-log's seven levels folded onto lsqm's four (trace is debug, notice info, critical error).
    public init(_ level: Logging.Logger.Level) {
        switch level {
        case .trace, .debug: self = .debug
        case .info, .notice: self = .info
        case .warning: self = .warning
        case .error, .critical: self = .error
        }
    }
}

/// Structured logging for every stage: lsqm's small facade over swift-log's `Logging.Logger`.
///
/// A line names its `stage` and `event` (metadata), may carry a message, a duration (`duration_ms` metadata), an
/// `LSQMError` (swift-log's `error:`) and free-form fields (the rest of the metadata). How it is written —
/// JSON lines or human progress, and the redaction of secrets — is the `LSQMLogHandler`'s business, so a line
/// logged through `base` directly, or by a library on a bootstrapped logger, is formatted and redacted alike.
public struct Logger: Sendable {
    /// The swift-log logger underneath: hand it to libraries that take one.
    public let base: Logging.Logger
    /// The output's format when the logger was made: commands print plain results only when logs are JSON.
    public let format: LogFormat

    public init(base: Logging.Logger, format: LogFormat) {
        self.base = base
        self.format = format
    }

    /// A logger writing to `output` through its own handler (no global state: what tests use).
    public init(output: LogOutput, label: String = "lsqm") {
        self.init(base: Logging.Logger(label: label) { output.handler(label: $0) }, format: output.format)
    }

    public init(
        format: LogFormat = .automatic, minimumLevel: LogLevel = .info, redactor: SecretRedactor = .fromEnvironment(),
        sink: (@Sendable (String) -> Void)? = nil
    ) {
        self.init(output: LogOutput(format: format, minimumLevel: minimumLevel, redactor: redactor, sink: sink))
    }

    /// A logger that drops everything (tests, library defaults).
    public static let silent = Logger(base: Logging.Logger(label: "lsqm.silent") { _ in SwiftLogNoOpLogHandler() }, format: .json)

    public func log(
        _ level: LogLevel, stage: String, event: String, message: String? = nil, durationMs: Int? = nil,
        error: LSQMError? = nil, fields: [String: JSONValue] = [:]
    ) {
        base.log(
            level: level.swiftLogLevel, "\(message ?? "")", error: error,
            metadata: {
                var metadata = fields.mapValues(Logging.Logger.MetadataValue.init)
                metadata[LogKey.stage] = .string(stage)
                metadata[LogKey.event] = .string(event)
                if let durationMs { metadata[LogKey.durationMs] = .stringConvertible(durationMs) }
                return metadata
            }())
    }

    public func debug(_ stage: String, _ event: String, _ message: String? = nil, fields: [String: JSONValue] = [:]) {
        log(.debug, stage: stage, event: event, message: message, fields: fields)
    }

    public func info(_ stage: String, _ event: String, _ message: String? = nil, fields: [String: JSONValue] = [:]) {
        log(.info, stage: stage, event: event, message: message, fields: fields)
    }

    public func warning(_ stage: String, _ event: String, _ message: String? = nil, error: LSQMError? = nil, fields: [String: JSONValue] = [:]) {
        log(.warning, stage: stage, event: event, message: message, error: error, fields: fields)
    }

    public func error(_ stage: String, _ event: String, _ message: String? = nil, error: LSQMError? = nil, fields: [String: JSONValue] = [:]) {
        log(.error, stage: stage, event: event, message: message, error: error, fields: fields)
    }

    /// Runs one stage, logging `start` and `end` (with its duration) or `failed` (with the error).
    public func stage<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        log(.info, stage: name, event: "start", message: "starting")
        do {
            let result = try await body()
            log(.info, stage: name, event: "end", message: "done", durationMs: Logger.milliseconds(since: start, clock: clock))
            return result
        } catch {
            let wrapped = error as? LSQMError ?? LSQMError.wrap(error, action: "run stage \(name)")
            log(.error, stage: name, event: "failed", message: "failed", durationMs: Logger.milliseconds(since: start, clock: clock), error: wrapped)
            throw error
        }
    }

    public static func milliseconds(since start: ContinuousClock.Instant, clock: ContinuousClock = ContinuousClock()) -> Int {
        let elapsed = clock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Measures a duration in milliseconds.
public struct Stopwatch: Sendable {
    private let start = ContinuousClock.now
    public init() {}
    public var milliseconds: Int { Logger.milliseconds(since: start) }
    public var seconds: Double { Double(milliseconds) / 1000 }
}

import Foundation
import Synchronization

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
}

public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line: for CI and log shippers.
    case json
    /// Readable progress: for a person at a terminal.
    case human

    /// JSON unless stderr is a terminal.
    public static var automatic: LogFormat { isatty(STDERR_FILENO) == 1 ? .human : .json }
}

/// Structured logging for every stage.
///
/// JSON lines carry `ts`, `level`, `stage`, `event`, and when known `duration_ms`, `error {type, message}` and
/// free-form fields; the human format prints the same facts as a line of progress. Every line passes through
/// the secret redactor, so a token that sneaks into a message never reaches the log.
public final class Logger: Sendable {
    public let format: LogFormat
    public let minimumLevel: LogLevel
    private let redactor: SecretRedactor
    private let sink: @Sendable (String) -> Void
    private let lock = Mutex(())

    public init(
        format: LogFormat = .automatic, minimumLevel: LogLevel = .info, redactor: SecretRedactor = .fromEnvironment(),
        sink: (@Sendable (String) -> Void)? = nil
    ) {
        self.format = format
        self.minimumLevel = minimumLevel
        self.redactor = redactor
        self.sink = sink ?? { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A logger that drops everything (tests, library defaults).
    public static let silent = Logger(format: .json, minimumLevel: .error, redactor: SecretRedactor(), sink: { _ in })

    public func log(
        _ level: LogLevel, stage: String, event: String, message: String? = nil, durationMs: Int? = nil,
        error: LSQMError? = nil, fields: [String: JSONValue] = [:]
    ) {
        guard level >= minimumLevel else { return }
        let line: String
        switch format {
        case .json:
            var object = fields
            object["ts"] = .string(Logger.timestamp())
            object["level"] = .string(level.name)
            object["stage"] = .string(stage)
            object["event"] = .string(event)
            if let message { object["message"] = .string(message) }
            if let durationMs { object["duration_ms"] = .number(Double(durationMs)) }
            if let error {
                var errorObject: [String: JSONValue] = ["type": .string(error.kind.rawValue), "message": .string(error.message)]
                if let hint = error.hint { errorObject["hint"] = .string(hint) }
                object["error"] = .object(errorObject)
            }
            line = ((try? JSONCoding.string(JSONValue.object(object))) ?? "{}") + "\n"
        case .human:
            var text = "[\(stage)] "
            if level >= .warning { text += "\(level.name): " }
            text += message ?? event.replacingOccurrences(of: "_", with: " ")
            if let durationMs { text += " (\(Logger.humanDuration(durationMs)))" }
            if let error { text += "\n  \(error.description.replacingOccurrences(of: "\n", with: "\n  "))" }
            if level == .debug, !fields.isEmpty, let extra = try? JSONCoding.string(JSONValue.object(fields)) { text += " \(extra)" }
            line = text + "\n"
        }
        let redacted = redactor.redact(line)
        lock.withLock { _ in sink(redacted) }
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

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    static func humanDuration(_ ms: Int) -> String {
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return String(format: "%.1f s", Double(ms) / 1000) }
        return "\(ms / 60_000) min \((ms % 60_000) / 1000) s"
    }
}

/// Measures a duration in milliseconds.
public struct Stopwatch: Sendable {
    private let start = ContinuousClock.now
    public init() {}
    public var milliseconds: Int { Logger.milliseconds(since: start) }
    public var seconds: Double { Double(milliseconds) / 1000 }
}

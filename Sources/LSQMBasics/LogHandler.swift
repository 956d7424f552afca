import Foundation
import Logging
import Synchronization

public enum LogFormat: String, Sendable, CaseIterable {
    /// One JSON object per line: for CI and log shippers.
    case json
    /// Readable progress: for a person at a terminal.
    case human

    /// JSON unless stderr is a terminal.
    public static var automatic: LogFormat { isatty(STDERR_FILENO) == 1 ? .human : .json }
}

/// Where log lines go and how they look: the format, the level below which nothing is written, the secret
/// redactor and the sink. Every `LSQMLogHandler` made from one output shares it, so a process (or a test) that
/// changes it — `Application` adds the config file's secrets — changes it for every logger at once, and the
/// lines of concurrent loggers never interleave.
public final class LogOutput: Sendable {
    struct Settings: Sendable {
        var format: LogFormat
        var minimumLevel: LogLevel
        var redactor: SecretRedactor
    }

    private let settings: Mutex<Settings>
    private let sink: @Sendable (String) -> Void
    private let writing = Mutex(())

    public init(
        format: LogFormat = .automatic, minimumLevel: LogLevel = .info, redactor: SecretRedactor = .fromEnvironment(),
        sink: (@Sendable (String) -> Void)? = nil
    ) {
        settings = Mutex(Settings(format: format, minimumLevel: minimumLevel, redactor: redactor))
        self.sink = sink ?? { line in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// The process's output, to stderr: what `LSQM.main` bootstraps swift-log with, so a logger any code
    /// (a library included) makes with `Logging.Logger(label:)` formats and redacts like lsqm's own.
    public static let process = LogOutput()

    public func configure(format: LogFormat, minimumLevel: LogLevel, redactor: SecretRedactor) {
        settings.withLock { $0 = Settings(format: format, minimumLevel: minimumLevel, redactor: redactor) }
    }

    public var format: LogFormat { settings.withLock { $0.format } }
    public var minimumLevel: LogLevel { settings.withLock { $0.minimumLevel } }

    /// A handler writing here; the factory `LoggingSystem.bootstrap` takes.
    public func handler(label: String) -> LSQMLogHandler { LSQMLogHandler(label: label, output: self) }

    /// Formats, redacts and writes one line. Redaction happens here, after formatting, so a secret in any
    /// part of a line (message, field, error) is caught, whichever logger or call site produced it.
    func write(_ event: LogEvent, label: String, handlerMetadata: Logging.Logger.Metadata) {
        let current = settings.withLock { $0 }
        guard LogLevel(event.level) >= current.minimumLevel else { return }
        let line = LogLine(event, label: label, handlerMetadata: handlerMetadata)
        let text = current.format == .json ? line.json() : line.human()
        let redacted = current.redactor.redact(text)
        writing.withLock { _ in sink(redacted) }
    }
}

/// lsqm's two line formats as a swift-log `LogHandler`: JSON lines (`ts`, `level`, `stage`, `event`, and when
/// known `message`, `duration_ms`, `error {type, message, hint}` and the remaining metadata as fields) or a
/// human line of progress, chosen by its `LogOutput`.
public struct LSQMLogHandler: LogHandler {
    public let label: String
    public let output: LogOutput
    public var metadata: Logging.Logger.Metadata = [:]
    public var logLevel: Logging.Logger.Level

    public init(label: String, output: LogOutput) {
        self.label = label
        self.output = output
        logLevel = output.minimumLevel.swiftLogLevel
    }

    public subscript(metadataKey key: String) -> Logging.Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) { output.write(event, label: label, handlerMetadata: metadata) }
}

/// Metadata keys with a meaning of their own in a line; every other key is a free-form field.
enum LogKey {
    static let stage = "stage"
    static let event = "event"
    static let durationMs = "duration_ms"
}

/// A JSON scalar (number, bool, null) carried in swift-log metadata with its type intact.
struct JSONMetadataScalar: CustomStringConvertible, Sendable {
    let value: JSONValue
    var description: String { (try? JSONCoding.string(value)) ?? "null" }
}

extension Logging.Logger.MetadataValue {
    init(_ json: JSONValue) {
        switch json {
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(Logging.Logger.MetadataValue.init))
        case .object(let members): self = .dictionary(members.mapValues(Logging.Logger.MetadataValue.init))
        case .null, .bool, .number: self = .stringConvertible(JSONMetadataScalar(value: json))
        }
    }

    var json: JSONValue {
        switch self {
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(\.json))
        case .dictionary(let members): .object(members.mapValues(\.json))
        case .stringConvertible(let scalar as JSONMetadataScalar): scalar.value
        case .stringConvertible(let number as Int): .number(Double(number))
        case .stringConvertible(let other): .string(other.description)
        }
    }
}

/// One event, read back out of swift-log's message, error and metadata.
struct LogLine {
    let level: LogLevel
    let stage: String
    let event: String
    let message: String?
    let durationMs: Int?
    let error: (any Error)?
    let fields: [String: JSONValue]

    init(_ logEvent: LogEvent, label: String, handlerMetadata: Logging.Logger.Metadata) {
        var metadata = handlerMetadata.merging(logEvent.metadata ?? [:]) { $1 }
        level = LogLevel(logEvent.level)
        // A logger that is not lsqm's facade (a library's) names no stage: its label does.
        stage = metadata.removeValue(forKey: LogKey.stage).map { $0.json.stringValue ?? $0.description } ?? label
        event = metadata.removeValue(forKey: LogKey.event).map { $0.json.stringValue ?? $0.description } ?? "log"
        if case .stringConvertible(let ms as Int)? = metadata[LogKey.durationMs] {
            durationMs = ms
            metadata[LogKey.durationMs] = nil
        } else {
            durationMs = nil
        }
        // The facade passes no message as an empty one (swift-log's message is not optional).
        let text = logEvent.message.description
        message = text.isEmpty ? nil : text
        error = logEvent.error
        fields = metadata.mapValues(\.json)
    }

    func json() -> String {
        var object = fields
        object["ts"] = .string(LogLine.timestamp())
        object["level"] = .string(level.name)
        object["stage"] = .string(stage)
        object["event"] = .string(event)
        if let message { object["message"] = .string(message) }
        if let durationMs { object["duration_ms"] = .number(Double(durationMs)) }
        if let error {
            let lsqm = error as? LSQMError
            var errorObject: [String: JSONValue] = [
                "type": .string(lsqm?.kind.rawValue ?? String(describing: type(of: error))),
                "message": .string(lsqm?.message ?? LSQMError.describe(error)),
            ]
            if let hint = lsqm?.hint { errorObject["hint"] = .string(hint) }
            object["error"] = .object(errorObject)
        }
        return ((try? JSONCoding.string(JSONValue.object(object))) ?? "{}") + "\n"
    }

    func human() -> String {
        var text = "[\(stage)] "
        if level >= .warning { text += "\(level.name): " }
        text += message ?? event.replacingOccurrences(of: "_", with: " ")
        if let durationMs { text += " (\(LogLine.humanDuration(durationMs)))" }
        if let error {
            let description = (error as? LSQMError)?.description ?? LSQMError.describe(error)
            text += "\n  \(description.replacingOccurrences(of: "\n", with: "\n  "))"
        }
        if level == .debug, !fields.isEmpty, let extra = try? JSONCoding.string(JSONValue.object(fields)) { text += " \(extra)" }
        return text + "\n"
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

import Foundation
import LSQMBasics
import LSQMCore

/// Reads the AWS provider's debug log as it grows and spots an answer that means the emulator cannot do what
/// terraform asked, so the step stops within seconds instead of sitting out the whole timeout.
///
/// The provider retries a failing call with backoff for minutes (25 attempts): a Step Functions architecture
/// sat 300 s on moto's HTTP 500 for `ValidateStateMachineDefinition`, an action moto does not implement. The
/// evidence is in the provider's debug log (`TF_LOG_PROVIDER=DEBUG`): every response with its status, service,
/// operation and body, and every retry. It is written in two formats — `key=value` text through terraform's
/// `TF_LOG_PATH`, JSON lines from a provider in debug (reattach) mode — and both are read here.
///
/// Fatal, in order: HTTP 501; an error body that says "not implemented"; a 5xx for an operation the emulator's
/// own log says is not implemented (moto's bodies are a bare "Internal Server Error"); the same operation
/// failing with 5xx through `retriesBeforeFatal` retries. Transient 5xx that a retry cures stay invisible.
struct ProviderLogScanner {
    /// SDK retries of one 5xx-failing operation after which the emulator is taken at its word.
    static let retriesBeforeFatal = 4

    private var pending = ""
    /// The last error response per `Service/Operation` (service as aws-sdk-go-v2 names it).
    private var lastError: [String: (status: Int, body: String)] = [:]
    private var openResponse: (key: String, status: Int)?

    /// Feeds newly appended log text; returns the failure that should stop the step, if any.
    /// - Parameter emulatorLog: the emulator's log tail, needed only for chunks with a 5xx answer
    ///   (`mentionsServerError`); pass "" otherwise.
    mutating func feed(_ text: String, emulatorLog: String) -> APIFailure? {
        pending += text
        guard let lastNewline = pending.lastIndex(of: "\n") else { return nil }
        let complete = pending[..<lastNewline]
        pending = String(pending[pending.index(after: lastNewline)...])
        for line in complete.split(separator: "\n", omittingEmptySubsequences: false) {
            if let fatal = scan(line, emulatorLog: emulatorLog) { return fatal }
        }
        return nil
    }

    private mutating func scan(_ line: Substring, emulatorLog: String) -> APIFailure? {
        if line.hasPrefix("  | ") {
            // A text-format response body continues the response above it.
            guard let open = openResponse else { return nil }
            lastError[open.key, default: (open.status, "")].body += line.dropFirst(4) + "\n"
            return verdict(for: open.key, emulatorLog: emulatorLog)
        }
        openResponse = nil
        if line.contains("HTTP Response Received") {
            guard let status = Self.field("http.status_code", in: line).flatMap({ Int($0) }), status >= 400,
                let service = Self.field("rpc.service", in: line), let operation = Self.field("rpc.method", in: line)
            else { return nil }
            let key = "\(service)/\(operation)"
            let body = Self.field("http.response.body", in: line) ?? ""
            lastError[key] = (status, body)
            openResponse = (key, status)
            return verdict(for: key, emulatorLog: emulatorLog)
        }
        if let retry = line.firstMatch(of: #/retrying request ([^,]+?)/(\w+), attempt (\d+)/#) {
            let key = "\(retry.1)/\(retry.2)"
            guard let attempt = Int(retry.3), attempt > Self.retriesBeforeFatal, let error = lastError[key], error.status >= 500 else { return nil }
            return failure(
                key, error.status, body: error.body, code: "RetriesExhausted",
                message: "\(attempt - 1) attempts failed with HTTP \(error.status): \(FailureClassifier.firstSentence(Self.readable(error.body)))")
        }
        return nil
    }

    /// Fatal when the answer to `key` says the operation is not implemented.
    private func verdict(for key: String, emulatorLog: String) -> APIFailure? {
        guard let error = lastError[key] else { return nil }
        let operation = String(key.split(separator: "/").last ?? "")
        let body = error.body.lowercased()
        if error.status == 501 || FailureClassifier.notImplementedPhrases.contains(where: body.contains)
            || (error.status >= 500 && FailureClassifier.emulatorSaysNotImplemented(operation, log: emulatorLog))
        {
            return failure(
                key, error.status, body: error.body, code: "NotImplemented",
                message: "the emulator does not implement it (HTTP \(error.status))")
        }
        return nil
    }

    private func failure(_ key: String, _ status: Int, body: String, code: String, message: String) -> APIFailure {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        return APIFailure(
            service: AWSServiceIDs.byServiceID[parts[0].lowercased()], operation: parts.count > 1 ? parts[1] : nil,
            httpStatus: status, code: code, message: message)
    }

    /// Whether a chunk holds a 5xx answer (either log format), for which the emulator's log is worth reading.
    static func mentionsServerError(_ text: String) -> Bool {
        text.contains("http.status_code=5") || text.contains("\"http.status_code\":5")
    }

    /// A field of either log format: `name=value`, `name="quoted value"` or `"name":value` / `"name":"value"`.
    static func field(_ name: String, in line: Substring) -> String? {
        let escaped = NSRegularExpression.escapedPattern(for: name)
        let patterns = [
            #"""# + escaped + #"":"((?:[^"\\]|\\.)*)""#, #"""# + escaped + #"":(\d+)"#,
            #"\b"# + escaped + #"="((?:[^"\\]|\\.)*)""#, #"\b"# + escaped + #"=([^\s"]+)"#,
        ]
        let text = String(line)
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let range = Range(match.range(at: 1), in: text)
            else { continue }
            return String(text[range]).replacingOccurrences(of: #"\n"#, with: "\n").replacingOccurrences(of: #"\""#, with: "\"")
        }
        return nil
    }

    /// An HTML error page as its text.
    static func readable(_ body: String) -> String {
        body.replacingOccurrences(of: #"<[^>]+>"#, with: " ", options: .regularExpression)
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}

/// Polls one provider log file while a terraform command runs.
struct ProviderLogWatch: Sendable {
    let log: URL
    let emulator: any RunningEmulator
    var interval: Duration = .milliseconds(500)

    /// Returns when the log shows a fatal answer; runs until cancelled otherwise.
    func firstFatalFailure() async -> APIFailure? {
        var scanner = ProviderLogScanner()
        var offset: UInt64 = 0
        while !Task.isCancelled {
            if let handle = try? FileHandle(forReadingFrom: log) {
                defer { try? handle.close() }
                try? handle.seek(toOffset: offset)
                if let data = try? handle.readToEnd(), !data.isEmpty {
                    offset += UInt64(data.count)
                    let chunk = String(decoding: data, as: UTF8.self)
                    // The emulator's log is read only when a 5xx answer may need its explanation.
                    let emulatorLog =
                        ProviderLogScanner.mentionsServerError(chunk) ? await emulator.logTail(limit: ArchitectureValidation.classifierLogCap) : ""
                    if let fatal = scanner.feed(chunk, emulatorLog: emulatorLog) { return fatal }
                }
            }
            try? await Task.sleep(for: interval)
        }
        return nil
    }
}

import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates

/// The architecture table's rows, sent to the page as compact JSON and rendered there (paged), so 5,000
/// architectures cost one small script block instead of 5,000 table rows of markup.
///
/// Shape: repeated strings (statuses, services, sources, kinds) are listed once and rows refer to them by index;
/// a row is an array `[name, status, previous status or -1, [service…], source, kind, duration ms, arch hash,
/// source URL, detail index or -1, cause index or -1, [untested service…]]`; untested services are those lsqm
/// could not translate, so the verdict says nothing about them. Causes are listed once too (many architectures fail the
/// same way): `[class index, service:Operation, code, message, step]`, empty strings for unknown parts. Failure details (most of the bytes: log tails) go in a second block that the
/// page parses only when someone first expands a row, so they cost nothing at load time.
struct TableData: Encodable {
    var run: String
    var statuses: [String]
    var services: [String]
    var sources: [String]
    var kinds: [String]
    /// `FailureCause.Class` raw values, in order.
    var classes: [String]
    var causes: [Cause]
    var rows: [Row]
    /// Where the full per-architecture logs are, relative to the report (`<base><arch>.log`).
    var logBase: String?

    struct Row: Encodable {
        var name: String
        var status: Int
        var previous: Int
        var services: [Int]
        var source: Int
        var kind: Int
        var durationMs: Int
        var arch: String
        var url: String
        var detail: Int
        var cause: Int
        var untested: [Int]

        func encode(to encoder: any Encoder) throws {
            var row = encoder.unkeyedContainer()
            try row.encode(name); try row.encode(status); try row.encode(previous); try row.encode(services)
            try row.encode(source); try row.encode(kind); try row.encode(durationMs); try row.encode(arch)
            try row.encode(url); try row.encode(detail); try row.encode(cause); try row.encode(untested)
        }
    }

    struct Cause: Encodable, Hashable {
        var kind: Int
        var api: String
        var code: String
        var message: String
        var step: String

        init(_ cause: FailureCause) {
            kind = FailureCause.Class.allCases.firstIndex(of: cause.kind) ?? 0
            api = cause.apiName ?? ""; code = cause.code ?? ""; message = cause.message; step = cause.step ?? ""
        }

        func encode(to encoder: any Encoder) throws {
            var entry = encoder.unkeyedContainer()
            try entry.encode(kind); try entry.encode(api); try entry.encode(code); try entry.encode(message); try entry.encode(step)
        }
    }

    /// Why a non-PASSED architecture failed: the deciding step, the error, failed tests (with their causes) and
    /// log tails. The result's own cause is the row's.
    struct Detail: Encodable {
        var step: String?
        var error: String?
        /// `[name, outcome, message, cause]` of tests that did not pass; the cause as `class service:Operation code`,
        /// empty when none was recorded.
        var tests: [[String]]
        var terraform: String?
        var pytest: String?
        var emulator: String?
        var warnings: [String]

        enum CodingKeys: String, CodingKey {
            case step = "st", error = "e", tests = "t", terraform = "tf", pytest = "py", emulator = "em", warnings = "w"
        }
    }

    /// Log tails keep the end, where the error is; the full logs stay in the run folder.
    static let logTail = 1_000, emulatorLogTail = 500, messageLimit = 500

    /// Encoded in their own script block (see the type comment).
    var details: [Detail] = []

    enum CodingKeys: String, CodingKey { case run, statuses, services, sources, kinds, classes, causes, rows, logBase }

    init(current: RunRecord, previous: RunRecord?, sourceOf: (ValidationResult) -> String, logBase: String?) {
        let statusOrder = ValidationStatus.allCases
        let statusIndex = Dictionary(uniqueKeysWithValues: statusOrder.enumerated().map { ($1, $0) })
        let kindOrder = ArchitectureKind.allCases
        let kindIndex = Dictionary(uniqueKeysWithValues: kindOrder.enumerated().map { ($1, $0) })
        let previousStatus = Dictionary(previous?.results.map { ($0.arch, $0.status) } ?? [], uniquingKeysWith: max)
        var services = Interner<String>(), sources = Interner<String>(), causes = Interner<Cause>()
        var rows: [Row] = [], details: [Detail] = []
        rows.reserveCapacity(current.results.count)
        for result in current.results {
            var detail = -1
            if result.status != .passed {
                detail = details.count
                details.append(Detail(result))
            }
            rows.append(
                Row(
                    name: result.name, status: statusIndex[result.status] ?? 0,
                    previous: previousStatus[result.arch].flatMap { statusIndex[$0] } ?? -1,
                    services: result.services.map { services.index($0) }, source: sources.index(sourceOf(result)),
                    kind: kindIndex[result.kind] ?? 0, durationMs: result.durationMs, arch: result.arch,
                    url: ReportText.safeURL(result.sourceURL) ?? "", detail: detail,
                    cause: result.status == .passed ? -1 : result.cause.map { causes.index(Cause($0)) } ?? -1,
                    untested: (result.untestedServices ?? []).map { services.index($0) }))
        }
        self.run = current.runID
        self.statuses = statusOrder.map(\.rawValue)
        self.services = services.values
        self.sources = sources.values
        self.kinds = kindOrder.map(\.rawValue)
        self.classes = FailureCause.Class.allCases.map(\.rawValue)
        self.causes = causes.values
        self.rows = rows
        self.details = details
        self.logBase = logBase
    }
}

extension TableData.Detail {
    init(_ result: ValidationResult) {
        self.init(
            step: result.failedStep, error: result.error.map { ReportText.head($0, TableData.messageLimit) },
            tests: result.tests.filter { $0.outcome != .passed && $0.outcome != .skipped }.map {
                [
                    $0.name, $0.outcome.rawValue, ReportText.head($0.message ?? "", TableData.messageLimit),
                    $0.cause.map { [$0.kind.rawValue, $0.apiName, $0.code].compactMap { $0 }.joined(separator: " ") } ?? "",
                ]
            },
            terraform: result.terraformOutput.map { ReportText.tail($0, TableData.logTail) },
            pytest: result.pytestOutput.map { ReportText.tail($0, TableData.logTail) },
            emulator: result.emulatorLogTail.map { ReportText.tail($0, TableData.emulatorLogTail) },
            warnings: result.warnings)
    }
}

/// Assigns each distinct value a small index, in first-seen order.
struct Interner<Value: Hashable> {
    private(set) var values: [Value] = []
    private var indices: [Value: Int] = [:]

    mutating func index(_ value: Value) -> Int {
        if let known = indices[value] { return known }
        indices[value] = values.count
        values.append(value)
        return values.count - 1
    }
}

/// Text helpers for data that ends up in the page.
enum ReportText {
    /// JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`… so a log line
    /// holding `</script>` or `<!--` cannot end or confuse the block, and U+2028/2029 are escaped for old parsers.
    /// JSON.parse reads the escapes back to the same characters.
    static func scriptSafeJSON<T: Encodable>(_ value: T) throws -> String {
        let json = String(decoding: try JSONCoding.encode(value, pretty: false), as: UTF8.self)
        var out = String.UnicodeScalarView()
        out.reserveCapacity(json.unicodeScalars.count + 64)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out.append(contentsOf: #"\u003c"#.unicodeScalars)
            case ">": out.append(contentsOf: #"\u003e"#.unicodeScalars)
            case "&": out.append(contentsOf: #"\u0026"#.unicodeScalars)
            case "\u{2028}": out.append(contentsOf: #"\u2028"#.unicodeScalars)
            case "\u{2029}": out.append(contentsOf: #"\u2029"#.unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The URL if it is http(s), else nil: a `javascript:` URL from a mined repository must never become a link.
    static func safeURL(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            url.host != nil
        else { return nil }
        return text
    }

    static func tail(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        return "…" + text.suffix(limit)
    }

    static func head(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        return text.prefix(limit) + "…"
    }

    /// A short, readable form of an architecture hash.
    static func short(_ hash: String) -> String { String(hash.prefix(12)) }

    /// True for a lower-case hex string: the only thing allowed into a log path.
    static func isHex(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

import Foundation
import LSQMBasics
import LSQMCore

/// What an emulator team and a reader of the dashboard act on, read from one run's causes: the emulator's
/// failing operations ranked by how many architectures each blocks (the API gap report), the verdicts that are
/// not the emulator's fault, and the architectures the run did not validate.
///
/// Computed once per report and shared by the HTML and `lsqm report --json`, so the two can never disagree.
public struct RunDiagnosis: Sendable, Equatable {
    /// One failing operation of the emulator (or a whole service, when the answer named no operation).
    public struct Gap: Codable, Sendable, Equatable {
        /// `service:Operation`, or whichever of the two is known.
        public var api: String
        public var service: String?
        public var operation: String?
        /// Every error code seen for it, sorted.
        public var codes: [String]
        /// Architectures blocked, each once however many of its tests failed on it.
        public var count: Int
        /// One message, from the first blocked architecture by name, so a reader sees what the answer was.
        public var message: String
        /// Sorted by name, then hash.
        public var architectures: [Blocked]

        /// `apigateway:PutRestApi (BadRequestException) — 44 architectures`
        public var headline: String {
            let codeText = codes.isEmpty ? "" : " (\(codes.joined(separator: ", ")))"
            return "\(api)\(codeText) — \(count) architecture\(count == 1 ? "" : "s")"
        }

        enum CodingKeys: String, CodingKey { case api, service, operation, codes, count, message, architectures }

        /// Nulls are written, not left out: the schema's keys are always there.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(api, forKey: .api); try container.encode(service, forKey: .service)
            try container.encode(operation, forKey: .operation); try container.encode(codes, forKey: .codes)
            try container.encode(count, forKey: .count); try container.encode(message, forKey: .message)
            try container.encode(architectures, forKey: .architectures)
        }
    }

    /// An architecture behind a gap.
    public struct Blocked: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        public var status: ValidationStatus
    }

    /// A non-passing verdict whose cause is not the emulator (`StatusCounts.notEmulator`).
    public struct NotEmulator: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        public var status: ValidationStatus
        public var cause: FailureCause
    }

    /// Sorted by architectures blocked (most first), then by `api`.
    public var gaps: [Gap]
    /// Non-passing verdicts counted as the emulator's that name no operation or service anywhere (no cause at all
    /// in runs recorded before causes, or an emulator cause without an API): they are in no gap.
    public var unattributed: Int
    /// Grouped by cause class in `FailureCause.Class` order, then sorted by name and hash.
    public var notEmulator: [NotEmulator]
    /// The run's not-run architectures, sorted by name and hash.
    public var notRun: [NotRun]

    public init(_ run: RunRecord) {
        struct Key: Hashable { var service: String?; var operation: String? }
        struct Tally { var codes: Set<String> = []; var blocked: [String: (Blocked, FailureCause)] = [:] }
        var tallies: [Key: Tally] = [:]
        var unattributed = 0
        var notEmulator: [NotEmulator] = []
        for result in run.results where result.status != .passed {
            // The result's own cause and its failed tests' causes: a PARTIAL architecture whose deploy worked can
            // still be blocked by operations its tests called.
            let testCauses = result.tests.filter { $0.outcome == .failed || $0.outcome == .error }.compactMap(\.cause)
            let emulatorCauses = ([result.cause].compactMap { $0 } + testCauses).filter { $0.kind == .emulator }
            var named = false
            for cause in emulatorCauses where cause.apiName != nil {
                named = true
                let key = Key(service: cause.service, operation: cause.operation)
                var tally = tallies[key] ?? Tally()
                if let code = cause.code, !code.isEmpty { tally.codes.insert(code) }
                if tally.blocked[result.arch] == nil {
                    tally.blocked[result.arch] = (Blocked(arch: result.arch, name: result.name, status: result.status), cause)
                }
                tallies[key] = tally
            }
            if !named && result.isEmulatorVerdict { unattributed += 1 }
            if !result.isEmulatorVerdict && result.status != .error, let cause = result.cause {
                notEmulator.append(NotEmulator(arch: result.arch, name: result.name, status: result.status, cause: cause))
            }
        }
        let byName = { (a: String, aHash: String, b: String, bHash: String) -> Bool in (a, aHash) < (b, bHash) }
        gaps = tallies.map { key, tally in
            let blocked = tally.blocked.values.sorted { byName($0.0.name, $0.0.arch, $1.0.name, $1.0.arch) }
            let api = FailureCause(.emulator, service: key.service, operation: key.operation, message: "").apiName ?? ""
            return Gap(
                api: api, service: key.service, operation: key.operation, codes: tally.codes.sorted(), count: blocked.count,
                message: blocked.first?.1.message ?? "", architectures: blocked.map(\.0))
        }.sorted {
            // (service nil, operation X) and (service X, operation nil) share an api text: the tie-break keeps the
            // order the same on every render.
            ($1.count, $0.api, $0.service ?? "", $0.operation ?? "") < ($0.count, $1.api, $1.service ?? "", $1.operation ?? "")
        }
        self.unattributed = unattributed
        self.notEmulator = notEmulator.sorted { ($0.cause.kind, $0.name, $0.arch) < ($1.cause.kind, $1.name, $1.arch) }
        notRun = run.notRun.sorted { byName($0.name, $0.arch, $1.name, $1.arch) }
    }
}

/// What `lsqm report --json` prints: the run's figures, the API gap ranking, the verdicts that are not the
/// emulator's fault and the architectures not run. Keys sorted; the document's own keys are always there (`null`
/// when unknown); `emulator` and `cause` are written as in `runs/<id>/results.json` (unknown fields left out).
///
/// ```
/// {"run_id": String, "previous_run_id": String|null, "emulator": {runtime, name, version, edition, image_digest}|null,
///  "counts": {total, passed, partial, failed, timeout, error, not_emulator},
///  "pass_rate": Number|null,              // percent of judged verdicts (not ERROR, not not_emulator), 0.1 precision
///  "api_gaps": [{api, service, operation, codes: [String], count, message,
///                architectures: [{arch, name, status}]}],   // by count desc, then api
///  "api_gaps_unattributed": Int,          // the emulator's failing verdicts that name no operation
///  "not_emulator": [{arch, name, status, cause: {class, service, operation, step, code, message}}],
///  "not_run": [{arch, name, reason}],
///  "report": String|null}                 // the HTML written (null in a dry run)
/// ```
public struct ReportSummary: Encodable, Sendable, Equatable {
    public var runID: String
    public var previousRunID: String?
    public var emulator: EmulatorInfo?
    public var counts: StatusCounts
    public var passRate: Double?
    public var diagnosis: RunDiagnosis
    public var report: String?

    public init(run: RunRecord, previousRunID: String?, diagnosis: RunDiagnosis? = nil, report: URL? = nil) {
        runID = run.runID
        self.previousRunID = previousRunID
        emulator = run.emulator
        counts = run.counts
        // The same rounding as trends/*.json's pass_rate.
        passRate = counts.passRate.map { ($0 * 1000).rounded() / 10 }
        self.diagnosis = diagnosis ?? RunDiagnosis(run)
        self.report = report?.path
    }

    enum CodingKeys: String, CodingKey {
        case emulator, counts, report
        case runID = "run_id", previousRunID = "previous_run_id", passRate = "pass_rate", apiGaps = "api_gaps"
        case unattributed = "api_gaps_unattributed", notEmulator = "not_emulator", notRun = "not_run"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runID, forKey: .runID); try container.encode(previousRunID, forKey: .previousRunID)
        try container.encode(emulator, forKey: .emulator); try container.encode(counts, forKey: .counts)
        try container.encode(passRate, forKey: .passRate); try container.encode(diagnosis.gaps, forKey: .apiGaps)
        try container.encode(diagnosis.unattributed, forKey: .unattributed)
        try container.encode(diagnosis.notEmulator, forKey: .notEmulator); try container.encode(diagnosis.notRun, forKey: .notRun)
        try container.encode(report, forKey: .report)
    }
}

import Foundation
import LSQMBasics

// Trends: per service, per run. An architecture counts for every service it uses, so an architecture using S3
// and Lambda moves both services' pass rates. Pass rates leave ERROR out (infrastructure is not a verdict on
// the emulator's compatibility), as `StatusCounts.passRate` does.

/// One run's counts, overall and per service: everything trends need from a run, small enough to keep 52 of.
public struct RunTally: Codable, Sendable, Equatable {
    public var runID: String
    public var startedAt: Date
    public var overall: StatusCounts
    public var services: [String: StatusCounts]

    public init(runID: String, startedAt: Date, overall: StatusCounts, services: [String: StatusCounts]) {
        self.runID = runID; self.startedAt = startedAt; self.overall = overall; self.services = services
    }

    /// - Parameter results: each verdict, the services it used, and whether it is a verdict on the emulator
    ///   (`ValidationResult.isEmulatorVerdict`).
    public init<S: Sequence>(runID: String, startedAt: Date, results: S)
    where S.Element == (status: ValidationStatus, services: [String], emulatorVerdict: Bool) {
        var overall = StatusCounts()
        var services: [String: StatusCounts] = [:]
        for result in results {
            overall.add(result.status, emulatorVerdict: result.emulatorVerdict)
            // A service listed twice in one architecture still counts that architecture once.
            for service in Set(result.services) {
                services[service, default: StatusCounts()].add(result.status, emulatorVerdict: result.emulatorVerdict)
            }
        }
        self.init(runID: runID, startedAt: startedAt, overall: overall, services: services)
    }

    /// Statuses without causes: every non-passing verdict counts as the emulator's.
    public init<S: Sequence>(runID: String, startedAt: Date, results: S) where S.Element == (status: ValidationStatus, services: [String]) {
        self.init(runID: runID, startedAt: startedAt, results: results.lazy.map { ($0.status, $0.services, true) })
    }

    public init(_ run: RunRecord) {
        self.init(runID: run.runID, startedAt: run.startedAt, results: run.results.lazy.map { ($0.status, $0.services, $0.isEmulatorVerdict) })
    }

    enum CodingKeys: String, CodingKey {
        case overall, services
        case runID = "run_id"
        case startedAt = "started_at"
    }
}

/// A service's (or all services') standing in one run.
public struct TrendPoint: Codable, Sendable, Equatable {
    public var runID: String
    public var startedAt: Date
    public var counts: StatusCounts
    /// Percent (0–100) of judged architectures that passed; nil when all were ERROR.
    public var passRate: Double?

    public init(runID: String, startedAt: Date, counts: StatusCounts) {
        self.runID = runID; self.startedAt = startedAt; self.counts = counts
        self.passRate = counts.passRate.map { ($0 * 1000).rounded() / 10 }
    }

    enum CodingKeys: String, CodingKey {
        case counts
        case runID = "run_id"
        case startedAt = "started_at"
        case passRate = "pass_rate"
    }
}

/// `trends/<service>.json` and `trends/overall.json`.
public struct ServiceTrend: Codable, Sendable, Equatable {
    /// The service id, or `overall`.
    public var service: String
    /// Oldest first; only runs in which the service was validated.
    public var points: [TrendPoint]
    /// The latest pass rate fell at least `TrendRules.decliningDrop` points below the mean of the previous runs.
    public var declining: Bool
    /// Mean pass rate of the `TrendRules.baselineRuns` points before the latest (nil without enough history).
    public var baselinePassRate: Double?

    public var latest: TrendPoint? { points.last }

    enum CodingKeys: String, CodingKey {
        case service, points, declining
        case baselinePassRate = "baseline_pass_rate"
    }
}

public struct TrendSet: Sendable, Equatable {
    public var overall: ServiceTrend
    /// Sorted by service id.
    public var services: [ServiceTrend]
}

public enum TrendRules {
    public static let overallName = "overall"
    /// Points below the baseline at which a service is flagged as declining.
    public static let decliningDrop = 10.0
    /// How many earlier runs make the baseline. With fewer, no flag: two runs are not a trend.
    public static let baselineRuns = 4

    /// Builds every trend from run tallies (any order; sorted by run id, the one order of runs that compare
    /// and `reports/latest` use too: a run id is its start to the microsecond, while `started_at` is whole
    /// seconds and is when validation began, so two overlapping runs could be ordered differently by it).
    public static func trends(_ tallies: [RunTally]) -> TrendSet {
        let ordered = tallies.sorted { $0.runID < $1.runID }
        let latestRunID = ordered.last?.runID
        let overall = trend(
            TrendRules.overallName, ordered.map { TrendPoint(runID: $0.runID, startedAt: $0.startedAt, counts: $0.overall) },
            latestRunID: latestRunID)
        let serviceNames = Set(ordered.flatMap(\.services.keys)).sorted()
        let services = serviceNames.map { name in
            trend(
                name,
                ordered.compactMap { tally in
                    tally.services[name].map { TrendPoint(runID: tally.runID, startedAt: tally.startedAt, counts: $0) }
                }, latestRunID: latestRunID)
        }
        return TrendSet(overall: overall, services: services)
    }

    static func trend(_ service: String, _ points: [TrendPoint], latestRunID: String?) -> ServiceTrend {
        let (declining, baseline) = decline(points, latestRunID: latestRunID)
        return ServiceTrend(service: service, points: points, declining: declining, baselinePassRate: baseline)
    }

    /// A service declines when its pass rate in the latest run is ≥ `decliningDrop` points below the mean of
    /// its previous `baselineRuns` rated points. A service absent from the latest run is not declining now.
    public static func decline(_ points: [TrendPoint], latestRunID: String?) -> (declining: Bool, baseline: Double?) {
        guard let last = points.last, last.runID == latestRunID, let current = last.passRate else { return (false, nil) }
        let earlier = points.dropLast().compactMap(\.passRate).suffix(baselineRuns)
        guard earlier.count == baselineRuns else { return (false, nil) }
        let baseline = earlier.reduce(0, +) / Double(earlier.count)
        // Rates carry one decimal; compare with a small tolerance so exactly 10 points counts.
        return (baseline - current >= decliningDrop - 1e-9, (baseline * 10).rounded() / 10)
    }

    /// A file name for a service id that came from data: lower-case letters, digits, '-' and '_' only.
    public static func fileName(for service: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-_")
        let name = service.lowercased()
        guard !name.isEmpty, name.count <= 100, name.allSatisfy(allowed.contains), !reservedFileNames.contains(name + ".json") else { return nil }
        return name + ".json"
    }

    /// Files in `trends/` that are not a service's: the overall trend, and the flakiness compare writes (a service
    /// named like them must not overwrite them, and writing trends must not remove them).
    public static let reservedFileNames: Set<String> = [overallName + ".json", FlakinessFile.fileName]
}

extension ArtifactStore {
    /// Writes `trends/overall.json` and one file per service, each atomically, and removes files of services no
    /// longer in the kept history so the folder never describes a service the runs do not.
    public func saveTrends(_ trends: TrendSet) throws {
        try AtomicFile.writeJSON(trends.overall, to: trendsDirectory.appendingPathComponent(TrendRules.overallName + ".json"))
        // flakiness.json is compare's (written before the report in `lsqm run`): kept, never removed here.
        var written = TrendRules.reservedFileNames
        for trend in trends.services {
            guard let name = TrendRules.fileName(for: trend.service) else { continue }
            try AtomicFile.writeJSON(trend, to: trendsDirectory.appendingPathComponent(name))
            written.insert(name)
        }
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: trendsDirectory.path)) ?? []
        for name in existing where name.hasSuffix(".json") && !written.contains(name) {
            Files.remove(trendsDirectory.appendingPathComponent(name))
        }
    }

    public func loadTrend(_ service: String) throws -> ServiceTrend? {
        let name = service == TrendRules.overallName ? service + ".json" : TrendRules.fileName(for: service)
        guard let name else { return nil }
        let url = trendsDirectory.appendingPathComponent(name)
        guard Files.exists(url) else { return nil }
        return try JSONCoding.decode(ServiceTrend.self, from: try Files.read(url))
    }
}

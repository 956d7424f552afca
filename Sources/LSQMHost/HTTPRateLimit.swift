import Foundation
import LSQMBasics
import Synchronization

/// What one source's HTTP cost in a run: the figures the mine summary reports and the incremental
/// guarantee ("a second run sends at most 10% full downloads") is checked against.
public struct HTTPSourceCounters: Codable, Sendable, Equatable {
    /// Requests the plugin made through the host.
    public var requests = 0
    /// Requests that went over the network, retries and redirect hops included.
    public var sent = 0
    /// Network answers that carried a full response (anything but a 304).
    public var fullDownloads = 0
    /// 304 answers served from the ETag cache.
    public var notModified = 0
    /// Sends repeated after a 429, 5xx, rate limit or connection failure.
    public var retries = 0
    /// Requests that ended with no usable answer (the plugin got an error).
    public var failures = 0
    /// Requests recorded but not sent (`--dry-run`).
    public var dryRun = 0
    /// Seconds spent waiting for rate limits and backoff.
    public var waitedSeconds = 0.0
    /// Body bytes received over the network.
    public var bytesReceived = 0
    /// Why this source's requests stopped (budget or rate-limit wait exhausted), if they did.
    public var stoppedReason: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case requests, sent, retries, failures
        case fullDownloads = "full_downloads"
        case notModified = "not_modified"
        case dryRun = "dry_run"
        case waitedSeconds = "waited_seconds"
        case bytesReceived = "bytes_received"
        case stoppedReason = "stopped_reason"
    }
}

/// How an answer is handled, following GitHub's documented rules ("Rate limits for the REST API"):
/// - a 403/429 with `x-ratelimit-remaining: 0` is the primary limit: wait until `x-ratelimit-reset` (epoch s);
/// - a 403/429 with `retry-after`: wait that long;
/// - a 403/429 whose message names a secondary rate limit, without either header: wait at least a minute,
///   growing exponentially;
/// - other 429s and 5xx are transient: exponential backoff with jitter.
enum HTTPAnswer: Equatable {
    case redirect(URL)
    case notModified
    case primaryLimit(resetAt: Date)
    case retryAfter(Duration)
    case secondaryLimit
    case transient
    case final

    static func classify(_ response: HTTPClient.Response, url: URL) -> HTTPAnswer {
        let status = response.status
        if [301, 302, 303, 307, 308].contains(status), let location = response.header("location"),
            let next = URL(string: location, relativeTo: url)?.absoluteURL
        {
            return .redirect(next)
        }
        if status == 304 { return .notModified }
        if status == 403 || status == 429 {
            if response.header("x-ratelimit-remaining") == "0", let reset = response.header("x-ratelimit-reset").flatMap(Double.init) {
                return .primaryLimit(resetAt: Date(timeIntervalSince1970: reset))
            }
            if let retryAfter = response.header("retry-after"), let wait = Backoff.parseRetryAfter(retryAfter) {
                return .retryAfter(wait)
            }
            if status == 429 { return .transient }
            let message = String(decoding: response.body.prefix(4096), as: UTF8.self).lowercased()
            if message.contains("secondary rate limit") || message.contains("abuse detection") { return .secondaryLimit }
            return .final
        }
        if status >= 500 {
            if let retryAfter = response.header("retry-after"), let wait = Backoff.parseRetryAfter(retryAfter) { return .retryAfter(wait) }
            return .transient
        }
        return .final
    }
}

/// The per-source and per-host bookkeeping of the HTTP service, behind one lock.
final class HTTPLedger: Sendable {
    private struct HostLimit { var remaining: Int; var reset: Date }
    private struct State {
        var counters: [String: HTTPSourceCounters] = [:]
        var waitBudgetUsed: [String: Duration] = [:]
        var hostLimits: [String: HostLimit] = [:]
        var dryRunRequests: [String] = []
    }
    private let state = Mutex(State())
    private let defaultRequestBudget: Int?
    private let defaultWaitBudget: Duration
    private let limits: [String: SourceLimits]

    init(requestBudget: Int?, waitBudget: Duration, limits: [String: SourceLimits] = [:]) {
        self.defaultRequestBudget = requestBudget
        self.defaultWaitBudget = waitBudget
        self.limits = limits
    }

    func requestBudget(_ source: String) -> Int? { limits[source]?.requestBudget ?? defaultRequestBudget }
    func waitBudget(_ source: String) -> Duration { limits[source]?.waitBudget ?? defaultWaitBudget }

    func update(_ source: String, _ change: (inout HTTPSourceCounters) -> Void) {
        state.withLock { change(&$0.counters[source, default: HTTPSourceCounters()]) }
    }

    var counters: [String: HTTPSourceCounters] { state.withLock { $0.counters } }
    var dryRunRequests: [String] { state.withLock { $0.dryRunRequests } }

    func stoppedReason(_ source: String) -> String? { state.withLock { $0.counters[source]?.stoppedReason } }

    func recordDryRun(_ source: String, line: String) {
        state.withLock {
            $0.counters[source, default: HTTPSourceCounters()].requests += 1
            $0.counters[source, default: HTTPSourceCounters()].dryRun += 1
            $0.dryRunRequests.append("\(source): \(line)")
        }
    }

    /// Counts one network send against the source's request budget; past the budget the source stops.
    func chargeSend(_ source: String) throws {
        try state.withLock { state in
            var counters = state.counters[source, default: HTTPSourceCounters()]
            if let reason = counters.stoppedReason { throw HTTPLedger.stopped(source, reason) }
            if let budget = self.requestBudget(source), counters.sent >= budget {
                let reason = "its request budget of \(budget) requests is spent"
                counters.stoppedReason = reason
                state.counters[source] = counters
                throw HTTPLedger.stopped(source, reason, hint: "raise the source's request budget or run again next week")
            }
            counters.sent += 1
            state.counters[source] = counters
        }
    }

    /// Reserves `wait` from the source's wait budget; when it does not fit the source stops with `reason`.
    func chargeWait(_ source: String, _ wait: Duration, reason: @autoclosure () -> String) throws {
        try state.withLock { state in
            let used = state.waitBudgetUsed[source, default: .zero]
            let allowed = self.waitBudget(source)
            guard used + wait <= allowed else {
                let why =
                    "\(reason()); waiting \(HTTPLedger.seconds(wait)) s more would exceed its rate-limit wait budget of \(HTTPLedger.seconds(allowed)) s"
                state.counters[source, default: HTTPSourceCounters()].stoppedReason = why
                throw HTTPLedger.stopped(source, why, hint: "set GITHUB_TOKEN for a higher GitHub limit, or raise the wait budget")
            }
            state.waitBudgetUsed[source] = used + wait
            state.counters[source, default: HTTPSourceCounters()].waitedSeconds += wait.secondsValue
        }
    }

    /// Remembers a host's primary-limit headers so the next request waits for the reset instead of failing.
    func observe(host: String, headers: [String: String]) {
        guard let remaining = headers["x-ratelimit-remaining"].flatMap(Int.init),
            let reset = headers["x-ratelimit-reset"].flatMap(Double.init)
        else { return }
        state.withLock { $0.hostLimits[host] = HostLimit(remaining: remaining, reset: Date(timeIntervalSince1970: reset)) }
    }

    /// How long to wait before sending to `host`: until its reset when its primary limit is spent.
    func pendingReset(host: String, now: Date = Date()) -> Date? {
        state.withLock { state in
            guard let limit = state.hostLimits[host], limit.remaining <= 0, limit.reset > now else { return nil }
            return limit.reset
        }
    }

    static func stopped(_ source: String, _ reason: String, hint: String? = nil) -> LSQMError {
        LSQMError(.remote, action: "make HTTP requests for source \(source)", cause: reason, hint: hint)
    }

    static func seconds(_ duration: Duration) -> String { String(format: "%.1f", duration.secondsValue) }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The one place lsqm sends HTTP over the network (URLSession, so HTTPS works). Policy — authentication,
/// retries, rate limits, caching — lives in the callers that know the service (the host HTTP service for
/// plugins, the Claude client); this type only moves bytes and reports what came back.
public struct HTTPClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: Data
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public init() {}

    /// Sends one request. Throws `LSQMError(.remote)` when no HTTP response arrives (refused, timeout, DNS).
    /// `followRedirects: false` hands a 3xx back to the caller, which must then decide what the next hop may
    /// carry: credentials meant for one host must not follow a redirect to another.
    public func send(
        method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil,
        timeout: TimeInterval = 60, followRedirects: Bool = true
    ) async throws -> Response {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let configuration = URLSessionConfiguration.ephemeral
        // lsqm does its own conditional requests; the URL cache must not answer for the server.
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let session =
            followRedirects
            ? URLSession(configuration: configuration)
            : URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (data, response) = try await HTTPClient.data(for: request, in: session, deadline: timeout)
            guard let http = response as? HTTPURLResponse else {
                throw LSQMError(.remote, action: "\(method) \(HTTPClient.redactedURL(url))", cause: "the response was not HTTP")
            }
            var lowered: [String: String] = [:]
            for (key, value) in http.allHeaderFields {
                if let key = key as? String, let value = value as? String { lowered[key.lowercased()] = value }
            }
            return Response(status: http.statusCode, headers: lowered, body: data)
        } catch let error as LSQMError {
            throw error
        } catch {
            // The localized description only: an NSError's full description repeats the URL with its query string.
            let cause = (error as NSError).userInfo[NSLocalizedDescriptionKey] as? String ?? (error as NSError).localizedDescription
            throw LSQMError(
                .remote, action: "\(method) \(HTTPClient.redactedURL(url))", cause: cause,
                hint: "check the network and the service URL")
        }
    }

    /// The request's answer, or `URLError(.timedOut)` once `deadline` seconds have passed, whatever the
    /// connection does. URLSession's own `timeoutInterval` is an idle timer that a stalled upload escapes: a
    /// server that stops reading the body and never answers held a Claude call for 60 s per attempt with a 5 s
    /// timeout (measured). The task is cancelled at the deadline, so the attempt ends and can be retried.
    static func data(for request: URLRequest, in session: URLSession, deadline: TimeInterval) async throws -> (Data, URLResponse) {
        let outcome = Locked<Result<(Data, URLResponse), any Error>?>(nil)
        let task = Locked<URLSessionDataTask?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                @Sendable func finish(_ result: Result<(Data, URLResponse), any Error>) {
                    let first = outcome.withLock { stored -> Bool in
                        if stored != nil { return false }
                        stored = result
                        return true
                    }
                    if first { continuation.resume(with: result) }
                }
                let dataTask = session.dataTask(with: request) { data, response, error in
                    if let error { return finish(.failure(error)) }
                    guard let response else { return finish(.failure(URLError(.badServerResponse))) }
                    finish(.success((data ?? Data(), response)))
                }
                task.withLock { $0 = dataTask }
                DispatchQueue.global().asyncAfter(deadline: .now() + max(deadline, 0.001)) {
                    finish(.failure(URLError(.timedOut, userInfo: [NSLocalizedDescriptionKey: "no answer within \(Int(deadline.rounded(.up))) s"])))
                    dataTask.cancel()
                }
                dataTask.resume()
            }
        } onCancel: {
            task.withLock { $0?.cancel() }
        }
    }

    /// A URL safe for logs: no query string (tokens hide there) and no user info.
    public static func redactedURL(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<url>" }
        components.user = nil
        components.password = nil
        if components.query != nil { components.query = "…" }
        return components.string ?? "<url>"
    }
}

/// Declines every redirect, so URLSession returns the 3xx response itself.
// @unchecked Sendable: it has no state; NSObject is just not declared Sendable.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// Exponential backoff with full jitter, capped; a server's `retry-after` wins when it gives one.
public struct Backoff: Sendable {
    public var base: Duration
    public var cap: Duration
    public var maxAttempts: Int

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30), maxAttempts: Int = 5) {
        self.base = base; self.cap = cap; self.maxAttempts = maxAttempts
    }

    /// The wait before retry number `attempt` (1-based).
    public func delay(attempt: Int, retryAfter: String? = nil) -> Duration {
        if let retryAfter, let seconds = Backoff.parseRetryAfter(retryAfter) { return min(seconds, cap * 4) }
        let exponential = base * (1 << min(attempt - 1, 20))
        let ceiling = min(exponential, cap)
        let millis = ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds(Int64.random(in: 0...max(millis, 1)))
    }

    /// `retry-after` as seconds or an HTTP date.
    public static func parseRetryAfter(_ value: String) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return .milliseconds(Int64(max(seconds, 0) * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = formatter.date(from: trimmed) { return .milliseconds(Int64(max(date.timeIntervalSinceNow, 0) * 1000)) }
        return nil
    }
}

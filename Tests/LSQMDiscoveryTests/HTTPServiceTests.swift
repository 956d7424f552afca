import Foundation
import LSQMBasics
import LSQMHost
import LSQMPluginKit
import LSQMTestSupport
import Synchronization
import XCTest

/// The host HTTP service against real HTTP servers on 127.0.0.1.
final class HTTPServiceTests: XCTestCase {
    var scratch: URL!
    let token = "ghp_testtoken_0123456789abcdef"

    override func setUpWithError() throws { scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-http-test") }
    override func tearDown() { Files.remove(scratch) }

    func service(
        api: HTTPTestServer, raw: HTTPTestServer? = nil, budget: Int? = nil, waitBudget: Duration = .seconds(30),
        dryRun: Bool = false, logger: Logger = .silent
    ) -> HTTPService {
        let endpoints = DiscoveryEndpoints(githubAPI: api.baseURL, githubRaw: (raw ?? api).baseURL, terraformRegistry: (raw ?? api).baseURL)
        return HTTPService(
            options: .init(
                endpoints: endpoints, githubToken: token, cacheDirectory: scratch.appendingPathComponent("http"),
                dryRun: dryRun, requestBudget: budget, rateLimitWaitBudget: waitBudget,
                backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(50), maxAttempts: 4)),
            logger: logger)
    }

    func testTokenGoesOnlyToTheAPIHostNeverAcrossARedirectAndIsNeverLogged() async throws {
        let raw = try HTTPTestServer { _ in .text("raw bytes") }
        defer { raw.stop() }
        let rawURL = raw.baseURL.absoluteString
        let api = try HTTPTestServer { request in
            request.path == "/moved" ? HTTPTestResponse(status: 302, headers: ["Location": "\(rawURL)/landed"]) : .json(["ok": true])
        }
        defer { api.stop() }
        let lines = Mutex<[String]>([])
        let logger = Logger(format: .json, minimumLevel: .debug, redactor: SecretRedactor()) { line in lines.withLock { $0.append(line) } }
        let http = service(api: api, raw: raw, logger: logger)

        _ = try await http.perform(HTTPRequest(url: "\(api.baseURL.absoluteString)/repos/a/b"), plugin: "GitHubOrgSource")
        let rawAnswer = try await http.perform(HTTPRequest(url: "\(rawURL)/a/b/sha/main.tf"), plugin: "GitHubOrgSource")
        let redirected = try await http.perform(HTTPRequest(url: "\(api.baseURL.absoluteString)/moved"), plugin: "GitHubOrgSource")

        XCTAssertEqual(api.requests.map { $0.headers["authorization"] }, ["Bearer \(token)", "Bearer \(token)"])
        XCTAssertEqual(raw.requests.map(\.path), ["/a/b/sha/main.tf", "/landed"])
        XCTAssertTrue(raw.requests.allSatisfy { $0.headers["authorization"] == nil }, "the raw host must never see the token")
        XCTAssertEqual(rawAnswer.data, Data("raw bytes".utf8))
        XCTAssertEqual(redirected.status, 200)
        XCTAssertEqual(redirected.data, Data("raw bytes".utf8))
        let logged = lines.withLock { $0.joined() }
        XCTAssertTrue(logged.contains("http_request"), "requests are logged at debug level")
        XCTAssertFalse(logged.contains(token), "the token must never reach a log line")
        XCTAssertEqual(Array(http.counters.keys), ["GitHubOrgSource"])
        XCTAssertEqual(http.counters["GitHubOrgSource"]?.requests, 3)
    }

    func testETagCacheAnswersA304FromDisk() async throws {
        let server = try HTTPTestServer { request in
            request.headers["if-none-match"] == "\"v1\"" ? .empty(304) : .json(["page": 1], headers: ["ETag": "\"v1\"", "Link": "<x>; rel=\"next\""])
        }
        defer { server.stop() }
        let url = "\(server.baseURL.absoluteString)/orgs/x/repos"
        let first = try await service(api: server).perform(HTTPRequest(url: url), plugin: "S")
        // A new service (a new run) over the same cache folder.
        let http = service(api: server)
        let second = try await http.perform(HTTPRequest(url: url), plugin: "S")
        XCTAssertEqual(first.fromCache, false)
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(second.fromCache, true)
        XCTAssertEqual(second.data, first.data)
        XCTAssertEqual(second.headers["link"], "<x>; rel=\"next\"", "cached headers (pagination) come back with the body")
        XCTAssertEqual(server.requests.last?.headers["if-none-match"], "\"v1\"")
        XCTAssertEqual(http.counters["S"]?.notModified, 1)
        XCTAssertEqual(http.counters["S"]?.fullDownloads, 0)
        // cache: false opts out: no validator is sent.
        _ = try await http.perform(HTTPRequest(url: url, cache: false), plugin: "S")
        XCTAssertNil(server.requests.last?.headers["if-none-match"])
    }

    /// A server answering from a script, one response per request, then `after` forever.
    func scripted(_ script: [HTTPTestResponse], after: HTTPTestResponse = .json(["ok": true])) throws -> HTTPTestServer {
        let remaining = Mutex(script)
        return try HTTPTestServer { _ in
            remaining.withLock { $0.isEmpty ? after : $0.removeFirst() }
        }
    }

    func testPrimaryRateLimitWaitsForTheReset() async throws {
        let reset = Int(Date().timeIntervalSince1970) + 1
        let server = try scripted([
            .json(
                ["message": "API rate limit exceeded"], status: 403,
                headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset)])
        ])
        defer { server.stop() }
        let http = service(api: server)
        let response = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x"), plugin: "S")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(server.requests.count, 2)
        let counters = try XCTUnwrap(http.counters["S"])
        XCTAssertEqual(counters.retries, 1)
        XCTAssertGreaterThan(counters.waitedSeconds, 0)
        XCTAssertNil(counters.stoppedReason)
    }

    func testPrimaryLimitBeyondTheWaitBudgetStopsThatSourceOnly() async throws {
        let reset = Int(Date().timeIntervalSince1970) + 3600
        let server = try HTTPTestServer { request in
            request.path == "/limited"
                ? .json(
                    ["message": "API rate limit exceeded"], status: 403, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset)])
                : .json(["ok": true])
        }
        defer { server.stop() }
        // The limited host is the API host; the other source uses the "raw" host, a different server.
        let other = try HTTPTestServer { _ in .json(["ok": true]) }
        defer { other.stop() }
        let http = service(api: server, raw: other, waitBudget: .seconds(5))
        do {
            _ = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/limited"), plugin: "A")
            XCTFail("expected the source to stop")
        } catch let error as LSQMError {
            XCTAssertTrue(error.message.contains("primary rate limit"), error.message)
            XCTAssertTrue(error.message.contains("wait budget"), error.message)
        }
        XCTAssertEqual(server.requests.count, 1, "no waiting for an hour, no retry")
        XCTAssertNotNil(http.counters["A"]?.stoppedReason)
        // Later requests of that source fail at once without being sent …
        do {
            _ = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/fine"), plugin: "A")
            XCTFail("a stopped source must stay stopped")
        } catch {}
        XCTAssertEqual(server.requests.count, 1)
        // … while another source goes on.
        let answer = try await http.perform(HTTPRequest(url: "\(other.baseURL.absoluteString)/x"), plugin: "B")
        XCTAssertEqual(answer.status, 200)
    }

    func testRetryAfterSecondaryLimitAnd5xxAreRetried() async throws {
        let server = try scripted([
            .json(["message": "slow down"], status: 429, headers: ["retry-after": "1"]),
            .json(["message": "You have exceeded a secondary rate limit"], status: 403, headers: ["retry-after": "0"]),
            .text("boom", status: 500),
        ])
        defer { server.stop() }
        let http = service(api: server)
        let response = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x"), plugin: "S")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(server.requests.count, 4)
        XCTAssertEqual(http.counters["S"]?.retries, 3)
        XCTAssertGreaterThanOrEqual(http.counters["S"]?.waitedSeconds ?? 0, 1.0, "retry-after: 1 was honoured")
    }

    func testSecondaryLimitWithoutHeadersWaitsAtLeastAMinuteSoAShortBudgetStops() async throws {
        let server = try scripted([
            .json(["message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."], status: 403)
        ])
        defer { server.stop() }
        let http = service(api: server, waitBudget: .seconds(10))
        do {
            _ = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x"), plugin: "S")
            XCTFail("expected a stop")
        } catch let error as LSQMError {
            XCTAssertTrue(error.message.contains("secondary rate limit"), error.message)
        }
    }

    func testPersistent5xxIsHandedToThePluginAfterTheLastAttempt() async throws {
        let server = try HTTPTestServer { _ in .text("down", status: 503) }
        defer { server.stop() }
        let http = service(api: server)
        let response = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x"), plugin: "S")
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(server.requests.count, 4, "maxAttempts sends in all")
    }

    func testRequestBudgetStopsTheSource() async throws {
        let server = try HTTPTestServer { _ in .json(["ok": true]) }
        defer { server.stop() }
        let http = service(api: server, budget: 2)
        for _ in 0..<2 { _ = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x", cache: false), plugin: "S") }
        do {
            _ = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x", cache: false), plugin: "S")
            XCTFail("expected the budget to stop the source")
        } catch let error as LSQMError {
            XCTAssertTrue(error.message.contains("request budget of 2"), error.message)
        }
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertEqual(http.counters["S"]?.stoppedReason, "its request budget of 2 requests is spent")

        // A source's own config overrides the default budget.
        let limits = SourceLimits.from(configs: [("T", ["request_budget": 1, "rate_limit_wait_seconds": 2.5]), ("U", ["orgs": ["x"]])])
        XCTAssertEqual(limits, ["T": SourceLimits(requestBudget: 1, waitBudget: .milliseconds(2500))])
        var options = http.options
        options.sourceLimits = limits
        let limited = HTTPService(options: options)
        _ = try await limited.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x", cache: false), plugin: "T")
        do {
            _ = try await limited.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x", cache: false), plugin: "T")
            XCTFail("T's own budget is 1")
        } catch {}
        _ = try await limited.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/x", cache: false), plugin: "S")
    }

    func testDryRunRecordsWithoutSending() async throws {
        let server = try HTTPTestServer { _ in .json(["ok": true]) }
        defer { server.stop() }
        let http = service(api: server, dryRun: true)
        let response = try await http.perform(HTTPRequest(url: "\(server.baseURL.absoluteString)/orgs/x/repos?per_page=100"), plugin: "S")
        XCTAssertEqual(response.status, 0)
        XCTAssertEqual(response.dryRun, true)
        XCTAssertTrue(server.requests.isEmpty)
        XCTAssertEqual(http.dryRunRequests.count, 1)
        let line = try XCTUnwrap(http.dryRunRequests.first)
        XCTAssertTrue(line.hasPrefix("S: GET \(server.baseURL.absoluteString)/orgs/x/repos?"), line)
        XCTAssertFalse(line.contains("per_page"), "query strings are redacted: \(line)")
        let json = try JSONCoding.string(response)
        XCTAssertTrue(json.contains("\"dry_run\":true") && json.contains("\"status\":0"), json)
    }

    func testUnreachableServerIsAnErrorAfterOneRetry() async throws {
        let server = try HTTPTestServer { _ in .empty(200) }
        let url = "\(server.baseURL.absoluteString)/x"
        server.stop()
        let http = service(api: server)
        do {
            _ = try await http.perform(HTTPRequest(url: url), plugin: "S")
            XCTFail("expected an error")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .remote)
        }
        XCTAssertEqual(http.counters["S"]?.sent, 2)
        XCTAssertEqual(http.counters["S"]?.failures, 1)
    }

    func testEndpointsFromEnvironmentAndPluginConfig() throws {
        let endpoints = try DiscoveryEndpoints.fromEnvironment(["LSQM_GITHUB_API_URL": "http://127.0.0.1:9/api"])
        XCTAssertEqual(endpoints.githubAPI.absoluteString, "http://127.0.0.1:9/api")
        XCTAssertEqual(endpoints.terraformRegistry.absoluteString, "https://registry.terraform.io")
        let config = endpoints.pluginConfig(merging: ["orgs": ["x"], "github_raw_url": "http://mirror"])
        XCTAssertEqual(config["github_api_url"]?.stringValue, "http://127.0.0.1:9/api")
        XCTAssertEqual(config["github_raw_url"]?.stringValue, "http://mirror", "a per-source setting wins")
        XCTAssertThrowsError(try DiscoveryEndpoints.fromEnvironment(["LSQM_TERRAFORM_REGISTRY_URL": "ftp://x"])) { error in
            XCTAssertTrue((error as? LSQMError)?.message.contains("LSQM_TERRAFORM_REGISTRY_URL") ?? false)
        }
    }
}

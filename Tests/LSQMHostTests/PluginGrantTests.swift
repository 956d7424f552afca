import Foundation
import LSQMBasics
import LSQMHost
import LSQMPluginKit
import LSQMTestSupport
import XCTest

/// Least privilege (issue 15, item 1): hostile C plugins ask the host for requests their kind and config do not
/// grant, through the real HTTPService holding a real token, against fake servers on 127.0.0.1.
final class PluginGrantTests: XCTestCase {
    var scratch: URL!
    let token = "ghp_grant_test_token_0123456789"

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-grant-test")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    /// A plugin whose one function hands its request text to host_api->http_request unchanged and answers
    /// {"rc": status, "answer": response-or-error}: the test drives every attempt from Swift.
    static func relaySource(name: String, kind: String) -> String {
        let body = """
            char *resp = NULL, *err = NULL;
            lsqm_status rc = api_ref->http_request(host_ref, request_json, &resp, &err);
            const char *inner = rc == LSQM_OK ? resp : err;
            if (!inner) inner = "null";
            size_t n = strlen(inner) + 64; char *out = malloc(n);
            snprintf(out, n, "{\\"rc\\":%d,\\"answer\\":%s}", rc, inner);
            api_ref->free(host_ref, resp); api_ref->free(host_ref, err);
            *response_json = out; return LSQM_OK;
            """
        return CPluginCompiler.notifierSource(
            name: name, notifyBody: body, kind: kind, createBody: "api_ref = api; host_ref = host; *state = NULL; return LSQM_OK;"
        )
        .replacingOccurrences(
            of: "#include \"lsqm_plugin.h\"",
            with: "#include <stdio.h>\n#include \"lsqm_plugin.h\"\nstatic const lsqm_host_api *api_ref; static lsqm_host *host_ref;")
    }

    /// Fake servers that record what reached them, with or without the token.
    final class Recorder: @unchecked Sendable {
        let server: HTTPTestServer
        private let seen = Locked<[HTTPTestRequest]>([])
        var requests: [HTTPTestRequest] { seen.value }
        init(_ respond: @escaping @Sendable (HTTPTestRequest) -> HTTPTestResponse = { _ in .json(["ok": true]) }) throws {
            let seen = self.seen
            server = try HTTPTestServer { request in
                seen.withLock { $0.append(request) }
                return respond(request)
            }
        }
        var withToken: [HTTPTestRequest] { requests.filter { $0.headers["authorization"] != nil } }
    }

    struct Answer: Decodable { var rc: Int32; var answer: JSONValue }

    func call(_ instance: any PluginInstance, _ function: PluginFunction, method: String, url: String) async throws -> Answer {
        let request = try JSONCoding.string(HTTPRequest(method: method, url: url, cache: false))
        return try JSONCoding.decode(Answer.self, from: Data(try await instance.call(function, request: request).utf8))
    }

    func setUp(api: Recorder, slack: Recorder, isolation: PluginIsolation = .isolated) -> PluginManager {
        let endpoints = DiscoveryEndpoints(githubAPI: api.server.baseURL, githubRaw: api.server.baseURL, terraformRegistry: api.server.baseURL)
        let http = HTTPService(
            options: .init(
                endpoints: endpoints, githubToken: token, cacheDirectory: nil,
                backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(20), maxAttempts: 2)))
        return PluginManager(
            directories: [PluginDirectory(url: scratch, origin: .flag)], isolation: isolation, workerExecutable: BuildProducts.lsqm,
            cacheRoot: scratch.appendingPathComponent("cache"), callTimeout: .seconds(20), http: http,
            secretURLs: ["SLACK_WEBHOOK_URL": "\(slack.server.baseURL.absoluteString)/services/T0/B0/secretpart"])
    }

    func testASourceGetsReadOnlyHTTPNoSecretsAndNoPrivateAddresses() async throws {
        let slack = try Recorder()
        defer { slack.server.stop() }
        let api = try Recorder { request in
            request.path == "/to-metadata"
                ? HTTPTestResponse(status: 302, headers: ["Location": "http://169.254.169.254/latest/meta-data/"]) : .json(["ok": true])
        }
        defer { api.server.stop() }
        let library = try await CPluginCompiler.compile(Self.relaySource(name: "Grabby", kind: "LSQM_KIND_SOURCE"), name: "grabby", into: scratch)
        let base = api.server.baseURL.absoluteString
        for isolation in [PluginIsolation.isolated, .inProcess] {
            let instance = try await setUp(api: api, slack: slack, isolation: isolation).instantiate(path: library.path, config: [:])
            defer { Task { await instance.shutdown() } }

            let delete = try await call(instance, .discover, method: "DELETE", url: "\(base)/repos/localstack/localstack")
            XCTAssertEqual(delete.rc, 1, "\(isolation)")
            XCTAssertTrue(delete.answer["error"]?.stringValue?.contains("plugin Grabby is granted GET/HEAD") ?? false, "\(delete.answer)")
            let post = try await call(instance, .discover, method: "post", url: "\(base)/repos/a/b/issues")
            XCTAssertEqual(post.rc, 1)

            let secret = try await call(instance, .discover, method: "GET", url: "secret://SLACK_WEBHOOK_URL")
            XCTAssertEqual(secret.rc, 1)
            XCTAssertTrue(secret.answer["error"]?.stringValue?.contains("not granted") ?? false, "\(secret.answer)")

            let metadata = try await call(instance, .discover, method: "GET", url: "http://169.254.169.254/latest/meta-data/iam/")
            XCTAssertTrue(metadata.answer["error"]?.stringValue?.contains("link-local or cloud metadata") ?? false, "\(metadata.answer)")
            let metadata6 = try await call(instance, .discover, method: "GET", url: "http://[fd00:ec2::254]/latest/")
            XCTAssertTrue(metadata6.answer["error"]?.stringValue?.contains("link-local or cloud metadata") ?? false, "\(metadata6.answer)")
            // The same fake, by a name the deployment did not configure: loopback is refused.
            let unconfigured = try await call(instance, .discover, method: "GET", url: "http://localhost:\(api.server.port)/x")
            XCTAssertTrue(
                unconfigured.answer["error"]?.stringValue?.contains("no configured base URL points there") ?? false, "\(unconfigured.answer)")
            // A redirect from a configured host to the metadata address is refused at the hop.
            let hop = try await call(instance, .discover, method: "GET", url: "\(base)/to-metadata")
            XCTAssertEqual(hop.rc, 1)
            XCTAssertTrue(hop.answer["error"]?.stringValue?.contains("169.254.169.254 is a link-local") ?? false, "\(hop.answer)")

            // What a source may do: GET on the configured API host, with the token.
            let get = try await call(instance, .discover, method: "GET", url: "\(base)/repos/a/b")
            XCTAssertEqual(get.rc, 0, "\(get.answer)")
            XCTAssertEqual(get.answer["status"]?.intValue, 200)
        }
        XCTAssertEqual(slack.requests.count, 0, "the secret URL was never reached")
        XCTAssertEqual(api.requests.map(\.method), ["GET", "GET", "GET", "GET"], "only the GETs reached the API: \(api.requests.map(\.path))")
        XCTAssertEqual(api.withToken.map(\.path), ["/to-metadata", "/repos/a/b", "/to-metadata", "/repos/a/b"])
    }

    func testANotifierGetsOnlyTheSecretsAndGitHubMethodsItsConfigGrants() async throws {
        let slack = try Recorder()
        defer { slack.server.stop() }
        let api = try Recorder()
        defer { api.server.stop() }
        let library = try await CPluginCompiler.compile(Self.relaySource(name: "Teller", kind: "LSQM_KIND_NOTIFIER"), name: "teller", into: scratch)
        let manager = setUp(api: api, slack: slack)
        let base = api.server.baseURL.absoluteString

        // Granted nothing: no secret, and no token even on the API host.
        let plain = try await manager.instantiate(path: library.path, config: ["repo": "a/b"])
        let noSecret = try await call(plain, .notify, method: "POST", url: "secret://SLACK_WEBHOOK_URL")
        XCTAssertTrue(noSecret.answer["error"]?.stringValue?.contains("plugin Teller is not granted it") ?? false, "\(noSecret.answer)")
        _ = try await call(plain, .notify, method: "POST", url: "\(base)/repos/a/b/issues")
        await plain.shutdown()
        XCTAssertEqual(slack.requests.count, 0)
        XCTAssertEqual(api.withToken.count, 0, "a notifier without a github grant never carries the token")

        // Granted the webhook and GET/POST/PATCH on its repository only.
        let config: JSONValue = ["repo": "a/b", "grants": ["secrets": ["SLACK_WEBHOOK_URL"], "github": ["GET", "POST", "PATCH"]]]
        let granted = try await manager.instantiate(path: library.path, config: config)
        defer { Task { await granted.shutdown() } }
        let webhook = try await call(granted, .notify, method: "POST", url: "secret://SLACK_WEBHOOK_URL")
        XCTAssertEqual(webhook.answer["status"]?.intValue, 200, "\(webhook.answer)")
        XCTAssertEqual(slack.requests.map(\.path), ["/services/T0/B0/secretpart"])
        _ = try await call(granted, .notify, method: "POST", url: "\(base)/repos/a/b/issues")
        _ = try await call(granted, .notify, method: "PATCH", url: "\(base)/repos/a/b/issues/1")
        _ = try await call(granted, .notify, method: "POST", url: "\(base)/repos/other/repo/issues")
        _ = try await call(granted, .notify, method: "PUT", url: "\(base)/repos/a/b/issues/1/lock")
        _ = try await call(granted, .notify, method: "GET", url: "\(base)/repos/a/bc/issues")
        _ = try await call(granted, .notify, method: "GET", url: "\(base)/repositories/42/issues?page=2")
        _ = try await call(granted, .notify, method: "POST", url: "\(base)/repositories/42/issues")
        let delete = try await call(granted, .notify, method: "DELETE", url: "\(base)/repos/a/b")
        XCTAssertEqual(delete.rc, 1)
        XCTAssertEqual(
            api.withToken.map { "\($0.method) \($0.path)" },
            ["POST /repos/a/b/issues", "PATCH /repos/a/b/issues/1", "GET /repositories/42/issues"], "pagination links by id are read, never written")
        XCTAssertFalse(api.requests.contains { $0.method == "DELETE" })
    }

    func testANormalizerGetsNoHTTP() async throws {
        let api = try Recorder()
        defer { api.server.stop() }
        let source = Self.relaySource(name: "Chatty", kind: "LSQM_KIND_NORMALIZER")
            .replacingOccurrences(
                of: "static const lsqm_notifier_functions functions = { .struct_size = sizeof(lsqm_notifier_functions), .notify = c_notify };",
                with:
                    "static const lsqm_normalizer_functions functions = { .struct_size = sizeof(lsqm_normalizer_functions), .kinds = \"cloudformation\", .normalize = c_notify };"
            )
        let library = try await CPluginCompiler.compile(source, name: "chatty", into: scratch)
        let instance = try await setUp(api: api, slack: api).instantiate(path: library.path, config: [:])
        defer { Task { await instance.shutdown() } }
        let get = try await call(instance, .normalize, method: "GET", url: "\(api.server.baseURL.absoluteString)/x")
        XCTAssertTrue(get.answer["error"]?.stringValue?.contains("is granted no HTTP at all") ?? false, "\(get.answer)")
        XCTAssertEqual(api.requests.count, 0)
    }
}

import Foundation
import LSQMBasics

/// A fake Slack incoming webhook: accepts JSON posts at `/services/T000/B000/XXXX` (the shape of a real webhook
/// URL), answers `ok` as Slack does, and keeps every payload. `failuresBeforeSuccess` 500s come first.
public final class FakeSlack: Sendable {
    public let server: HTTPTestServer
    public static let webhookPath = "/services/T000/B000/fakeSecretWebhookToken"

    public init(failuresBeforeSuccess: Int = 0) throws {
        let remaining = Locked(failuresBeforeSuccess)
        server = try HTTPTestServer { request in
            guard request.method == "POST", request.path == FakeSlack.webhookPath else { return .text("no_service", status: 404) }
            guard request.headers["content-type"]?.contains("application/json") ?? false, request.json != nil else {
                return .text("invalid_payload", status: 400)
            }
            let fail = remaining.withLock { count -> Bool in
                if count > 0 { count -= 1; return true }
                return false
            }
            return fail ? .text("internal_error", status: 500) : .text("ok")
        }
    }

    public var webhookURL: String { server.baseURL.absoluteString + FakeSlack.webhookPath }

    /// The JSON payloads that were accepted (posts answered 200).
    public var payloads: [JSONValue] { server.requests.filter { $0.path == FakeSlack.webhookPath }.compactMap(\.json) }
}

/// A fake GitHub Issues API for one repository: list (with `Link` pagination), create, comment, close — enough for
/// the regression notifier, answering the real API's JSON shapes and status codes.
public final class FakeGitHubIssues: Sendable {
    public struct Issue: Sendable, Equatable {
        public var number: Int
        public var title: String
        public var body: String
        public var labels: [String]
        public var state: String
        public var comments: [String]
        public init(number: Int, title: String, body: String = "", labels: [String] = [], state: String = "open", comments: [String] = []) {
            self.number = number; self.title = title; self.body = body; self.labels = labels; self.state = state; self.comments = comments
        }
    }

    public let server: HTTPTestServer
    public let repo: String
    private let issues: Locked<[Issue]>
    /// Timestamps of mutations (create and comment), to check they are spaced out.
    private let mutationTimes: Locked<[Date]>

    public init(repo: String = "localstack/localstack", pageSize: Int = 2, existing: [Issue] = []) throws {
        self.repo = repo
        let store = Locked(existing)
        let times = Locked<[Date]>([])
        issues = store
        let prefix = "/repos/\(repo)/issues"
        server = try HTTPTestServer { request in
            guard request.headers["authorization"] != nil else { return .json(["message": "Requires authentication"], status: 401) }
            if request.method == "GET", request.path == prefix {
                let label = request.query("labels")
                let page = Int(request.query("page") ?? "1") ?? 1
                let matching = store.withLock { all in
                    all.filter { $0.state == (request.query("state") ?? "open") && (label == nil || $0.labels.contains(label!)) }
                }
                let slice = Array(matching.dropFirst((page - 1) * pageSize).prefix(pageSize))
                var headers: [String: String] = [:]
                if page * pageSize < matching.count {
                    headers["link"] =
                        "<http://127.0.0.1:\(request.headers["host"]?.split(separator: ":").last ?? "0")\(prefix)?state=open&labels=\(label ?? "")&per_page=\(pageSize)&page=\(page + 1)>; rel=\"next\""
                }
                return .json(.array(slice.map { FakeGitHubIssues.json($0) }), headers: headers)
            }
            if request.method == "POST", request.path == prefix, let body = request.json {
                guard let title = body["title"]?.stringValue else { return .json(["message": "Validation Failed"], status: 422) }
                times.withLock { $0.append(Date()) }
                let issue = store.withLock { all -> Issue in
                    let issue = Issue(
                        number: all.count + 1, title: title, body: body["body"]?.stringValue ?? "",
                        labels: body["labels"]?.arrayValue?.compactMap(\.stringValue) ?? [], state: "open", comments: [])
                    all.append(issue)
                    return issue
                }
                return .json(FakeGitHubIssues.json(issue), status: 201)
            }
            // Close (or reopen) an issue: PATCH /repos/{repo}/issues/{number} {"state": "closed"}.
            if request.method == "PATCH", request.path.hasPrefix(prefix + "/"), let number = Int(request.path.dropFirst(prefix.count + 1)),
                let state = request.json?["state"]?.stringValue
            {
                guard state == "open" || state == "closed" else { return .json(["message": "Validation Failed"], status: 422) }
                times.withLock { $0.append(Date()) }
                let updated = store.withLock { all -> Issue? in
                    guard let index = all.firstIndex(where: { $0.number == number }) else { return nil }
                    all[index].state = state
                    return all[index]
                }
                return updated.map { .json(FakeGitHubIssues.json($0)) } ?? .json(["message": "Not Found"], status: 404)
            }
            if request.method == "POST", request.path.hasPrefix(prefix + "/"), request.path.hasSuffix("/comments"),
                let number = Int(request.path.dropFirst(prefix.count + 1).split(separator: "/").first ?? ""),
                let body = request.json?["body"]?.stringValue
            {
                times.withLock { $0.append(Date()) }
                let found = store.withLock { all -> Bool in
                    guard let index = all.firstIndex(where: { $0.number == number }) else { return false }
                    all[index].comments.append(body)
                    return true
                }
                return found
                    ? .json(["id": .number(Double(number * 1000)), "body": .string(body)], status: 201) : .json(["message": "Not Found"], status: 404)
            }
            return .json(["message": "Not Found"], status: 404)
        }
        mutationTimes = times
    }

    public var apiURL: String { server.baseURL.absoluteString }
    public var all: [Issue] { issues.withLock { $0 } }
    public var mutations: [Date] { mutationTimes.withLock { $0 } }

    static func json(_ issue: Issue) -> JSONValue {
        [
            "number": .number(Double(issue.number)), "title": .string(issue.title), "body": .string(issue.body), "state": .string(issue.state),
            "labels": .array(issue.labels.map { ["name": .string($0)] }),
        ]
    }
}

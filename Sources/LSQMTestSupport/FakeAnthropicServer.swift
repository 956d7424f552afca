import Foundation
import LSQMBasics
import Synchronization

/// A fake Claude Messages API on 127.0.0.1: a real HTTP server that answers `POST /v1/messages` the way the
/// API does — tool-use content blocks, `usage`, `stop_reason`, JSON error bodies with `retry-after` on 429 —
/// from a script of answers the test chooses. Requests are checked for the headers the API requires, and
/// every request is recorded.
///
/// ```swift
/// let fake = try FakeAnthropicServer(script: [.rateLimited(retryAfter: "0"), .app(files)])
/// // point the client at fake.baseURL …
/// ```
public final class FakeAnthropicServer: Sendable {
    /// One scripted answer.
    public enum Answer: Sendable {
        /// A tool call whose input holds these files (`conftest_py`, `app_py`, `test_app_py`, `requirements_txt`).
        case app([String: String])
        /// A tool call with an arbitrary input (malformed answers).
        case toolInput(JSONValue)
        /// A plain text answer without a tool call.
        case text(String)
        /// 429 rate_limit_error with this `retry-after`.
        case rateLimited(retryAfter: String?)
        /// 529 overloaded_error.
        case overloaded
        /// Any error status with an error type.
        case error(status: Int, type: String, message: String)
    }

    /// Output tokens billed per answer.
    public let outputTokens: Int
    /// Input tokens billed per answer; nil bills a quarter of the request's bytes, about what a real tokenizer
    /// counts for code.
    public let inputTokens: Int?
    public let expectedKey: String
    private let server: HTTPTestServer
    private let hangUpsLeft: Locked<Int>
    /// Hang-ups not used yet.
    public var remainingHangUps: Int { hangUpsLeft.withLock { $0 } }
    private let state: Script

    /// The answers left, shared with the server's handler thread.
    private final class Script: Sendable {
        let answers: Mutex<[Answer]>
        init(_ answers: [Answer]) { self.answers = Mutex(answers) }
        func next() -> Answer? { answers.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
    }

    public var baseURL: URL { server.baseURL }
    /// Every request received, in order.
    public var requests: [HTTPTestRequest] { server.requests }
    /// Requests that reached the messages endpoint with valid headers.
    public var messageRequests: [HTTPTestRequest] { requests.filter { $0.path == "/v1/messages" } }

    /// - Parameter hangUps: how many messages requests are dropped first: after the request's head the server
    ///   stops reading and never answers (see `HTTPTestServer.HangUp`).
    public init(
        script: [Answer], expectedKey: String = "sk-ant-test-key-123456", inputTokens: Int? = nil, outputTokens: Int = 900,
        hangUps: Int = 0
    ) throws {
        let state = Script(script)
        self.state = state
        self.expectedKey = expectedKey
        self.outputTokens = outputTokens
        self.inputTokens = inputTokens
        let hangUpsLeft = Locked(hangUps)
        self.hangUpsLeft = hangUpsLeft
        server = try HTTPTestServer(
            unixSocketPath: nil,
            hangUp: { method, target in
                method == "POST" && target.hasPrefix("/v1/messages")
                    && hangUpsLeft.withLock { left in
                        if left == 0 { return false }
                        left -= 1
                        return true
                    }
            }
        ) { request in
            FakeAnthropicServer.respond(to: request, state: state, expectedKey: expectedKey, tokens: (inputTokens, outputTokens))
        }
    }

    deinit { server.stop() }

    public func stop() { server.stop() }

    /// Answers not used yet.
    public var remainingAnswers: Int { state.answers.withLock { $0.count } }

    private static func respond(
        to request: HTTPTestRequest, state: Script, expectedKey: String, tokens: (input: Int?, output: Int)
    ) -> HTTPTestResponse {
        guard request.method == "POST", request.path == "/v1/messages" else {
            return error(404, "not_found_error", "no such endpoint \(request.method) \(request.path)")
        }
        guard request.headers["x-api-key"] == expectedKey else { return error(401, "authentication_error", "invalid x-api-key") }
        guard request.headers["anthropic-version"] == "2023-06-01" else {
            return error(400, "invalid_request_error", "anthropic-version header is required")
        }
        guard let body = request.json, body["model"]?.stringValue != nil, body["max_tokens"]?.intValue != nil,
            let messages = body["messages"]?.arrayValue, !messages.isEmpty
        else {
            return error(400, "invalid_request_error", "model, max_tokens and messages are required")
        }
        guard let answer = state.next() else { return error(500, "api_error", "the fake has no scripted answer left") }
        let usage: JSONValue = [
            "input_tokens": .number(Double(tokens.input ?? max(request.body.count / 4, 1))), "output_tokens": .number(Double(tokens.output)),
        ]
        let toolName = body["tool_choice"]?["name"]?.stringValue ?? "tool"
        func message(_ content: [JSONValue], stopReason: String) -> HTTPTestResponse {
            .json([
                "id": .string("msg_fake_\(UUID().uuidString.prefix(8))"), "type": "message", "role": "assistant",
                "model": body["model"] ?? "model", "content": .array(content), "stop_reason": .string(stopReason),
                "stop_sequence": nil, "usage": usage,
            ])
        }
        func toolUse(_ input: JSONValue) -> HTTPTestResponse {
            message(
                [["type": "tool_use", "id": .string("toolu_fake_\(UUID().uuidString.prefix(8))"), "name": .string(toolName), "input": input]],
                stopReason: "tool_use")
        }
        switch answer {
        case .app(let files): return toolUse(.object(files.mapValues(JSONValue.string)))
        case .toolInput(let input): return toolUse(input)
        case .text(let text): return message([["type": "text", "text": .string(text)]], stopReason: "end_turn")
        case .rateLimited(let retryAfter):
            return error(
                429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
                headers: retryAfter.map { ["retry-after": $0] } ?? [:])
        case .overloaded: return error(529, "overloaded_error", "Overloaded")
        case .error(let status, let type, let text): return error(status, type, text)
        }
    }

    private static func error(_ status: Int, _ type: String, _ message: String, headers: [String: String] = [:]) -> HTTPTestResponse {
        .json(
            ["type": "error", "error": ["type": .string(type), "message": .string(message)], "request_id": "req_fake"], status: status,
            headers: headers)
    }
}

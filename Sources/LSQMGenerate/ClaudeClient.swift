import Foundation
import LSQMBasics

/// A client for the Claude Messages API (`POST /v1/messages`), with the policy this stage needs: one forced
/// tool so the answer is structured, retries with backoff on 429/529/5xx honouring `retry-after`, and the key
/// sent only in the `x-api-key` header — never logged, never in an error message.
public struct ClaudeClient: Sendable {
    public static let apiVersion = "2023-06-01"
    public static let defaultBaseURL = URL(string: "https://api.anthropic.com")!

    public struct Usage: Codable, Sendable, Equatable {
        public var inputTokens: Int
        public var outputTokens: Int
        public var total: Int { inputTokens + outputTokens }
        public init(inputTokens: Int = 0, outputTokens: Int = 0) { self.inputTokens = inputTokens; self.outputTokens = outputTokens }
        public static func + (lhs: Usage, rhs: Usage) -> Usage {
            Usage(inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens)
        }
        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
        }
    }

    /// One answer: the assistant's content blocks (kept to continue the conversation), the forced tool's input
    /// when it was called, and what it cost.
    public struct Reply: Sendable {
        public var content: [JSONValue]
        public var toolUse: (id: String, input: JSONValue)?
        public var stopReason: String?
        public var usage: Usage
    }

    public var apiKey: String
    public var model: String
    public var baseURL: URL
    public var maxTokens: Int
    public var backoff: Backoff
    public var timeout: TimeInterval
    public var logger: Logger
    /// How the client waits between attempts (tests record the waits instead of sleeping).
    public var sleep: @Sendable (Duration) async throws -> Void
    private let http = HTTPClient()

    public init(
        apiKey: String, model: String, baseURL: URL = ClaudeClient.defaultBaseURL, maxTokens: Int = 8192,
        backoff: Backoff = Backoff(base: .seconds(2), cap: .seconds(60), maxAttempts: 6), timeout: TimeInterval = 300,
        logger: Logger = .silent, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.apiKey = apiKey; self.model = model; self.baseURL = baseURL; self.maxTokens = maxTokens
        self.backoff = backoff; self.timeout = timeout; self.logger = logger; self.sleep = sleep
    }

    var endpoint: URL { baseURL.appendingPathComponent("v1").appendingPathComponent("messages") }

    /// Sends one request that must be answered by calling `tool` (a `{name, description, input_schema}` object).
    public func call(system: String, messages: [JSONValue], tool: JSONValue) async throws -> Reply {
        let toolName = tool["name"]?.stringValue ?? ""
        let request: JSONValue = [
            "model": .string(model),
            "max_tokens": .number(Double(maxTokens)),
            "system": .string(system),
            "messages": .array(messages),
            "tools": [tool],
            "tool_choice": ["type": "tool", "name": .string(toolName)],
        ]
        let body = try JSONCoding.encode(request, pretty: false)
        let headers = ["x-api-key": apiKey, "anthropic-version": ClaudeClient.apiVersion, "content-type": "application/json"]
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPClient.Response
            do {
                response = try await http.send(method: "POST", url: endpoint, headers: headers, body: body, timeout: timeout)
            } catch let error as LSQMError where error.kind == .remote && attempt < backoff.maxAttempts {
                // No response at all (reset, timeout): as transient as a 5xx.
                logger.warning("generate", "claude_retry", "no response from the Claude API (attempt \(attempt)); retrying", error: error)
                try await sleep(backoff.delay(attempt: attempt))
                continue
            }
            if response.status == 200 { return try Self.parseReply(response.body, toolName: toolName) }
            let failure = Self.describeFailure(response)
            if failure.retryable && attempt < backoff.maxAttempts {
                let delay = backoff.delay(attempt: attempt, retryAfter: response.header("retry-after"))
                logger.warning(
                    "generate", "claude_retry", "Claude API answered \(response.status) (attempt \(attempt)); retrying in \(delay)",
                    fields: ["status": .number(Double(response.status))])
                try await sleep(delay)
                continue
            }
            throw LSQMError(
                .remote, code: .httpStatus(response.status), action: "call the Claude API (\(model))",
                cause: "HTTP \(response.status): \(failure.message)" + (failure.retryable ? " after \(attempt) attempts" : ""),
                hint: failure.hint)
        }
    }

    /// Why a non-200 answer failed, and whether waiting could help.
    static func describeFailure(_ response: HTTPClient.Response) -> (message: String, retryable: Bool, hint: String?) {
        let error = (try? JSONCoding.decode(JSONValue.self, from: response.body))?["error"]
        let type = error?["type"]?.stringValue ?? "unknown_error"
        let message = "\(type): \(error?["message"]?.stringValue ?? String(decoding: response.body.prefix(300), as: UTF8.self))"
        // A 429 for the monthly spend cap does not clear by waiting.
        let spendCap = error?["details"]?["error_code"]?.stringValue == "enforced_spend_limit_reached"
        switch response.status {
        case 401, 403: return (message, false, "check ANTHROPIC_API_KEY")
        case 429 where spendCap: return (message, false, "the organisation's spend limit is reached; use --generator rules")
        case 429, 529, 500...599: return (message, true, "the API is busy; try again later or use --generator rules")
        default: return (message, false, "check LSQM_MODEL (\(type))")
        }
    }

    static func parseReply(_ data: Data, toolName: String) throws -> Reply {
        let action = "read the Claude API response"
        guard let object = try? JSONCoding.decode(JSONValue.self, from: data), let content = object["content"]?.arrayValue else {
            throw LSQMError(.remote, action: action, cause: "the body is not a message with content")
        }
        guard let usage = object["usage"], let input = usage["input_tokens"]?.intValue, let output = usage["output_tokens"]?.intValue else {
            throw LSQMError(.remote, action: action, cause: "the message has no usage.input_tokens/output_tokens")
        }
        var toolUse: (String, JSONValue)?
        for block in content where block["type"]?.stringValue == "tool_use" && block["name"]?.stringValue == toolName {
            if let id = block["id"]?.stringValue, let input = block["input"] { toolUse = (id, input) }
        }
        return Reply(
            content: content, toolUse: toolUse, stopReason: object["stop_reason"]?.stringValue,
            usage: Usage(inputTokens: input, outputTokens: output))
    }
}

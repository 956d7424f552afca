import Foundation
import LSQMCore
import LSQMTemplates

/// One failed AWS API call, as terraform's output, pytest's report or the provider's log shows it.
struct APIFailure: Equatable, Sendable {
    /// The boto3 client name (`stepfunctions`), when the evidence names the service.
    var service: String?
    var operation: String?
    var httpStatus: Int?
    /// The error code of the answer (`NoSuchEntity`, `InternalError`), when it carries one.
    var code: String?
    var message: String

    /// `service:Operation`, as `FailureCause.apiName` spells it.
    var apiName: String { [service, operation].compactMap { $0 }.joined(separator: ":") }
}

/// What the classifier knows about the architecture whose validation failed.
struct FailureContext: Sendable {
    /// Normalized from CloudFormation, SAM or Serverless by lsqm: configuration errors in its Terraform are
    /// lsqm's, not its author's.
    var normalized: Bool
    /// The Terraform that was deployed (every `.tf` file), to tell a literal the author wrote (an AMI id, an
    /// existing VPC) from an identifier the deploy itself created.
    var terraformText: String
    /// The emulator's log tail when the failure was read, for causes only the emulator states (moto names
    /// an unimplemented action only in its log; a Lambda invoke fails there when Docker is missing).
    var emulatorLog: String = ""
}

/// Reads why a validation step failed from what actually happened, and names the cause down to the AWS
/// operation (issue "verdicts people can act on"). Pure text analysis: every rule is unit-tested against
/// output captured from real terraform, provider, pytest and emulator runs.
///
/// The rules in order of trust:
/// 1. The emulator said it cannot do it (HTTP 501, "not implemented", moto's NotImplementedError): `emulator`.
/// 2. The emulator failed (5xx, retries exhausted, a resource that never reached its state): `emulator`.
/// 3. A not-found answer for an identifier the author wrote literally (not an AWS-managed ARN): the
///    architecture needs something outside itself (`architecture`; `lsqm` when lsqm normalized it, since such
///    a template must be marked needs-input, never deployed).
/// 4. Any other answer from the emulator to a well-formed call: `emulator` (the template works on AWS).
/// 5. No call reached the emulator: terraform rejected the configuration — `lsqm` for a normalized
///    template, otherwise the provider in the mirror is older than the architecture needs (`environment`)
///    or the architecture is incomplete (`architecture`).
/// 6. The network, a missing tool or provider, a crashed emulator: `environment`.
enum FailureClassifier {
    // MARK: Evidence patterns

    /// Phrases emulators use for an operation they do not implement.
    static let notImplementedPhrases = [
        "not yet implemented", "has not been implemented", "notimplementederror", "not implemented", "is not supported by localstack",
        "or pro feature",
    ]

    /// Markers of values lsqm's normalizers invented (see LSQMCloudFormation) in place of what they could not
    /// translate.
    static let inventedMarkers = ["lsqm-placeholder", "lsqm-unsupported-"]

    /// A not-found answer, by code or, without one, by HTTP status.
    static func isNotFound(_ failure: APIFailure) -> Bool {
        guard let code = failure.code?.lowercased() else { return failure.httpStatus == 404 }
        return code.contains("notfound") || code.hasPrefix("nosuch") || code == "404"
    }

    /// A refusal of a value's form (`InvalidAMIID.Malformed`, `MalformedPolicyDocument`): when the value is a
    /// literal of the Terraform, AWS would refuse it too.
    static func isMalformed(_ failure: APIFailure) -> Bool {
        failure.code?.lowercased().contains("malformed") ?? false
    }

    /// The network between the tools and the emulator, not an answer from it.
    static let connectionPhrases = [
        "connection refused", "connection reset by peer", "no such host", "i/o timeout", "endpointconnectionerror",
        "could not connect to the endpoint", "connectionclosederror", "remote end closed connection", "broken pipe",
    ]

    /// Terraform configuration errors that a newer AWS provider would accept: the architecture was written for
    /// another provider version than the mirror holds.
    static let providerVersionPhrases = [
        "Unsupported argument", "Unsupported block type", "Unsupported attribute", "Missing required argument",
        "Invalid resource type", "Invalid data source",
    ]

    // MARK: Terraform

    /// The cause of a failed terraform command (`step` is init, apply or destroy).
    static func terraform(output: String, step: ValidationStep, context: FailureContext) -> FailureCause {
        let blocks = errorBlocks(in: output)
        // A value lsqm invented for something it could not translate reached the deploy: whatever the emulator
        // answered, the failure is lsqm's (such a template must not be deployed).
        if let block = blocks.first(where: { block in inventedMarkers.contains(where: block.contains) }) {
            let failure = apiFailure(inTerraformError: block)
            return FailureCause(
                .lsqm, service: failure?.service ?? resourceType(in: block).flatMap(AWSServices.terraformService),
                operation: failure?.operation, step: step.rawValue, code: "InventedValueDeployed",
                message: "the normalized template deploys a value lsqm invented: \(firstLine(ofError: block))")
        }
        // An API answer is the most specific evidence; the first one is what stopped the deploy.
        for block in blocks {
            if let failure = apiFailure(inTerraformError: block) {
                return classify(failure, step: step, context: context, resourceType: resourceType(in: block))
            }
        }
        let text = blocks.first ?? String(output.suffix(2000))
        let resource = resourceType(in: text)
        let service = resource.flatMap(AWSServices.terraformService)
        let summary = firstLine(ofError: text)
        let lowered = text.lowercased()
        if connectionPhrases.contains(where: lowered.contains) {
            return FailureCause(
                .environment, service: service, step: step.rawValue, code: "ConnectionError",
                message: "the emulator could not be reached: \(summary)")
        }
        if let waiting = waiterFailure(text) {
            return FailureCause(
                .emulator, service: service, step: step.rawValue, code: "WaiterFailed",
                message: "\(resource ?? "a resource") \(waiting)")
        }
        if context.normalized {
            return FailureCause(
                .lsqm, service: service, step: step.rawValue, code: "InvalidNormalizedTerraform",
                message: "the normalized Terraform is invalid: \(summary)")
        }
        if text.range(of: #"expected [\w.\[\]]+ to be one of"#, options: .regularExpression) != nil
            || providerVersionPhrases.contains(where: { text.hasPrefix("Error: \($0)") })
        {
            return FailureCause(
                .environment, service: service, step: step.rawValue, code: "ProviderTooOld",
                message: "the architecture needs another AWS provider version than the mirror's: \(summary)")
        }
        return FailureCause(
            .architecture, service: service, step: step.rawValue, code: "InvalidConfiguration",
            message: "terraform rejected the architecture's configuration: \(summary)")
    }

    /// The `Error: …` blocks of terraform's output (`-no-color`), each up to the next one.
    static func errorBlocks(in output: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " || $0 == "│" || $0 == "╷" })
            if trimmed.hasPrefix("Error: ") {
                if let current { blocks.append(current.joined(separator: "\n")) }
                current = [trimmed]
            } else if current != nil {
                current?.append(trimmed)
            }
        }
        if let current { blocks.append(current.joined(separator: "\n")) }
        return blocks
    }

    /// aws-sdk-go-v2's error text: `operation error SNS: Publish, https response error StatusCode: 500,
    /// RequestID: …, api error InternalError: boom` (also `…, RequestID: …, NoSuchEntity: …` and
    /// `exceeded maximum number of attempts, 25, …`).
    static func apiFailure(inTerraformError text: String) -> APIFailure? {
        // The error's own text ends where terraform's pointer to the configuration begins.
        let own = text.components(separatedBy: "\n\n")[0].components(separatedBy: "\n  with ")[0]
        let flat = own.replacingOccurrences(of: "\n", with: " ")
        guard let match = flat.firstMatch(of: #/operation error ([^:]+): (\w+), (.*)/#) else { return nil }
        let rest = String(match.3)
        var failure = APIFailure(
            service: AWSServiceIDs.byServiceID[match.1.lowercased()], operation: String(match.2),
            httpStatus: nil, code: nil, message: rest)
        if let status = rest.firstMatch(of: #/StatusCode: (\d+)/#) { failure.httpStatus = Int(status.1) }
        if let api = rest.firstMatch(of: #/api error ([A-Za-z][\w.]*): ?(.*)/#) {
            failure.code = String(api.1); failure.message = String(api.2)
        } else if let coded = rest.firstMatch(of: #/RequestID: [^,]*, ([A-Za-z][\w.]*): ?(.*)/#) {
            failure.code = String(coded.1); failure.message = String(coded.2)
        } else if rest.hasPrefix("exceeded maximum number of attempts") {
            failure.code = "RetriesExhausted"
        }
        failure.message = firstSentence(failure.message)
        return failure
    }

    /// `with aws_sns_topic.alerts,` names the resource a terraform error is about.
    static func resourceType(in text: String) -> String? {
        text.firstMatch(of: #/with (?:module\.[\w-]+(?:\[[^\]]*\])?\.)*((?:aws|data\.aws)_[a-z0-9_]+)\./#)
            .map { String($0.1).replacingOccurrences(of: "data.", with: "") }
    }

    /// A resource that never reached the state the provider waits for: the emulator's doing.
    static func waiterFailure(_ text: String) -> String? {
        if text.contains("timeout while waiting for state") { return "never reached the state the provider waits for" }
        if text.range(of: #"waiting for .* unexpected state"#, options: .regularExpression) != nil { return "went into an unexpected state" }
        return nil
    }

    // MARK: pytest

    /// The cause of one failed or errored test, from its message (pytest's JUnit report) and the API calls the
    /// test made (`PytestProbe`).
    static func test(_ test: TestCaseResult, calls: [ProbedCall], context: FailureContext) -> FailureCause {
        let message = test.message ?? ""
        let step = ValidationStep.tests.rawValue
        let lastCall = calls.last
        if let failure = clientError(in: message, calls: calls) {
            return classify(failure, step: .tests, context: context, resourceType: nil)
        }
        let lowered = message.lowercased()
        if connectionPhrases.contains(where: lowered.contains) {
            return FailureCause(
                .environment, service: lastCall?.service, operation: lastCall?.operation, step: step, code: "ConnectionError",
                message: "the emulator could not be reached: \(firstSentence(message))")
        }
        if lowered.contains("timeout") && (lowered.hasPrefix("failed: timeout") || lowered.contains("+++ timeout +++")) {
            return FailureCause(
                .emulator, service: lastCall?.service, operation: lastCall?.operation, step: step, code: "Timeout",
                message: lastCall.map { "\($0.apiName) did not answer within the per-test timeout" } ?? "the test timed out")
        }
        if lowered.contains("paramvalidationerror") || lowered.contains("parameter validation failed") {
            return FailureCause(
                .test, service: lastCall?.service, operation: lastCall?.operation, step: step, code: "ParamValidationError",
                message: "the test called \(lastCall?.apiName ?? "an API") with invalid parameters: \(firstSentence(message))")
        }
        if message.hasPrefix("AssertionError") || message.hasPrefix("assert ") || lowered.contains("assertionerror") {
            // The test looked at what the emulator answered and found it wrong: blame the last call it made.
            if let lastCall {
                return FailureCause(
                    .emulator, service: lastCall.service, operation: lastCall.operation, step: step, code: "UnexpectedResponse",
                    message: "\(lastCall.apiName) answered what the test did not expect: \(firstSentence(message))")
            }
            return FailureCause(
                .test, step: step, code: "AssertionError", message: "the test asserted without calling AWS: \(firstSentence(message))")
        }
        // Anything else is the test's own code failing (a fixture, a KeyError, an import).
        return FailureCause(
            .test, service: lastCall?.service, operation: lastCall?.operation, step: step,
            code: message.firstMatch(of: #/^([A-Za-z_][\w.]*(?:Error|Exception))/#).map { String($0.1) },
            message: "the test app failed: \(firstSentence(message.isEmpty ? "no message" : message))")
    }

    /// botocore's `ClientError: An error occurred (Code) when calling the Op operation (reached max retries:
    /// 4): message`, with the service from the probe's record of that call.
    static func clientError(in message: String, calls: [ProbedCall]) -> APIFailure? {
        let flat = message.replacingOccurrences(of: "\n", with: " ")
        guard
            let match = flat.firstMatch(
                of: #/An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?(.*)/#)
        else {
            return nil
        }
        let operation = String(match.2)
        let call = calls.last(where: { $0.operation == operation })
        let code = String(match.1)
        return APIFailure(
            service: call?.service, operation: operation, httpStatus: Int(code) ?? call?.status,
            code: Int(code) == nil ? code : (call?.code ?? code), message: firstSentence(String(match.3)))
    }

    // MARK: One API failure

    /// Which side an emulator's answer blames (rules 1–4 of the type's comment).
    static func classify(_ failure: APIFailure, step: ValidationStep, context: FailureContext, resourceType: String?) -> FailureCause {
        let service = failure.service ?? resourceType.flatMap(AWSServices.terraformService)
        func cause(_ kind: FailureCause.Class, code: String?, _ message: String) -> FailureCause {
            FailureCause(kind, service: service, operation: failure.operation, step: step.rawValue, code: code, message: message)
        }
        let api = APIFailure(service: service, operation: failure.operation, message: "").apiName
        let text = "\(failure.code ?? "") \(failure.message)".lowercased()
        if failure.httpStatus == 0 || connectionPhrases.contains(where: text.contains) {
            return cause(.environment, code: "ConnectionError", "\(api) never got an answer: the emulator could not be reached")
        }
        if failure.httpStatus == 501 || notImplementedPhrases.contains(where: text.contains)
            || emulatorSaysNotImplemented(failure.operation, log: context.emulatorLog)
        {
            return cause(.emulator, code: "NotImplemented", "the emulator does not implement \(api.isEmpty ? "the operation" : api)")
        }
        if let status = failure.httpStatus, status >= 500 || failure.code == "RetriesExhausted" {
            if lacksDocker(context.emulatorLog) {
                return cause(.environment, code: "DockerUnavailable", "\(api) needs Docker inside the emulator, which this machine does not run")
            }
            if backendUnavailable(context.emulatorLog) {
                return cause(
                    .environment, code: "EmulatorBackendUnavailable",
                    "\(api) failed because the emulator could not start its backend for the service here (offline, it cannot download it)")
            }
            return cause(.emulator, code: failure.code ?? "HTTP\(status)", "\(api) failed in the emulator (HTTP \(status)): \(failure.message)")
        }
        if isMalformed(failure), let literal = authorWrittenIdentifier(in: failure.message, terraform: context.terraformText) {
            return cause(
                context.normalized ? .lsqm : .architecture, code: failure.code,
                "\(context.normalized ? "the normalized template" : "the architecture") passes \(literal), which is not a valid value: \(failure.message)"
            )
        }
        if isNotFound(failure), let literal = authorWrittenIdentifier(in: failure.message, terraform: context.terraformText) {
            if context.normalized {
                return cause(
                    .lsqm, code: failure.code,
                    "the normalized template deploys a reference to \(literal), which it does not create "
                        + "(the template needs an input only its author can give)")
            }
            return cause(.architecture, code: failure.code, "the architecture refers to \(literal), which it does not create: \(failure.message)")
        }
        return cause(
            .emulator, code: failure.code ?? failure.httpStatus.map { "HTTP\($0)" },
            "\(api.isEmpty ? "the emulator" : api) refused what AWS accepts: \(failure.message)")
    }

    /// moto answers an unimplemented action with a bare HTTP 500 and says why only in its log:
    /// `NotImplementedError: The validate_state_machine_definition action has not been implemented`.
    static func emulatorSaysNotImplemented(_ operation: String?, log: String) -> Bool {
        guard let operation, !log.isEmpty else { return false }
        return notImplementedActions(inEmulatorLog: log).contains(normalizedOperation(operation))
    }

    /// Operations an emulator log says are not implemented, normalized (`validatestatemachinedefinition`).
    static func notImplementedActions(inEmulatorLog log: String) -> Set<String> {
        var actions = Set<String>()
        for match in log.matches(of: #/The (\w+) action has not been implemented/#) { actions.insert(normalizedOperation(String(match.1))) }
        for match in log.matches(of: #/API action '(\w+)' for service '[\w-]+' not yet implemented/#) {
            actions.insert(normalizedOperation(String(match.1)))
        }
        return actions
    }

    /// `ValidateStateMachineDefinition` and `validate_state_machine_definition` compare equal.
    static func normalizedOperation(_ name: String) -> String { name.replacingOccurrences(of: "_", with: "").lowercased() }

    /// moto runs Lambda functions in Docker containers; without a Docker engine every invoke fails in moto.
    static func lacksDocker(_ log: String) -> Bool {
        let lowered = log.lowercased()
        return lowered.contains("docker.errors") || lowered.contains("error while fetching server api version")
            || (lowered.contains("docker") && lowered.contains("no such file or directory"))
    }

    /// LocalStack serves some services from a backend it downloads and starts on first use (DynamoDB Local, a
    /// Lambda runtime); on a machine without internet that fails, and every call of the service answers 500
    /// with "exception during call chain: MyHTTPConnectionPool(host='localhost', port=…) … Connection refused".
    static func backendUnavailable(_ log: String) -> Bool {
        let lowered = log.lowercased()
        if lowered.contains("myhttpconnectionpool(host='localhost'") && lowered.contains("connection refused") { return true }
        return ["failed to download", "unable to download", "error during installation", "installation of package"]
            .contains(where: lowered.contains) && lowered.contains("error")
    }

    /// The identifier a not-found answer names, when the architecture's Terraform has it as a literal: an
    /// existing resource the author expects in the account. AWS-managed ARNs (`arn:aws:iam::aws:policy/…`)
    /// exist in every account, so an emulator that lacks them is at fault, not the architecture.
    static func authorWrittenIdentifier(in message: String, terraform: String) -> String? {
        let candidates = message.matches(of: #/arn:aws[\w-]*:[^\s"',]+|\b[a-z]{1,4}-[0-9a-f]{8,17}\b|'([^']{3,})'|"([^"]{3,})"/#).map { match in
            String(match.1 ?? match.2 ?? match.0)
        }
        return candidates.first { candidate in
            !candidate.contains(":aws:policy/") && terraform.contains(candidate)
        }
    }

    // MARK: Text helpers

    static func firstLine(ofError block: String) -> String {
        let line = block.split(separator: "\n").first.map(String.init) ?? block
        return firstSentence(line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line)
    }

    /// The first line, without trailing request ids; at most 240 characters.
    static func firstSentence(_ text: String) -> String {
        var line = text.split(separator: "\n").first.map(String.init) ?? ""
        line = line.trimmingCharacters(in: .whitespaces)
        return line.count > 240 ? String(line.prefix(239)) + "…" : line
    }
}

/// One AWS call a test made, as the probe pytest plugin recorded it.
struct ProbedCall: Codable, Equatable, Sendable {
    var service: String
    var operation: String
    var status: Int?
    var code: String?
    var message: String?
    var exception: String?

    var apiName: String { "\(service):\(operation)" }
}

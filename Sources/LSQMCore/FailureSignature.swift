import Foundation

// What a failure is, independently of when it happened (issue 14): the step, the test, and the cause's class,
// service, operation and code. Two failures are "the same" when their signatures are equal; the cause's
// message is left out because it carries request ids, timestamps and resource names that differ every run.

/// One failure of one check of an architecture.
public struct FailureSignature: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `deploy` for init/apply (and anything before the tests), `tests` for the test phase.
    public var step: String
    /// The pytest test id; nil for deploy failures and for a test phase that failed as a whole (a timeout).
    public var test: String?
    public var kind: FailureCause.Class?
    public var service: String?
    public var operation: String?
    public var code: String?

    public init(
        step: String, test: String? = nil, kind: FailureCause.Class?, service: String? = nil, operation: String? = nil,
        code: String? = nil
    ) {
        self.step = step; self.test = test; self.kind = kind; self.service = service; self.operation = operation; self.code = code
    }

    init(step: String, test: String?, cause: FailureCause?) {
        self.init(step: step, test: test, kind: cause?.kind, service: cause?.service, operation: cause?.operation, code: cause?.code)
    }

    /// The check this signature is a failure of: the deploy, one test, or the test phase as a whole.
    public var check: String { test.map { "test \($0)" } ?? step }

    /// "test test_app.py::test_publish: emulator sns:Publish InternalError".
    public var description: String {
        let api = [service, operation].compactMap { $0 }.joined(separator: ":")
        let parts = [kind?.rawValue, api.isEmpty ? nil : api, code].compactMap { $0 }
        return "\(check): " + (parts.isEmpty ? "no cause recorded" : parts.joined(separator: " "))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }

    enum CodingKeys: String, CodingKey {
        case step, test, service, operation, code
        case kind = "class"
    }
}

/// What one result says about one check.
public enum CheckOutcome: Sendable, Equatable {
    case passed
    /// Failed because of the emulator (or, in runs recorded before causes, for an unrecorded reason).
    case failed(FailureSignature)
    /// Nothing the emulator can be judged on: not reached, skipped, or failed for a reason that is not the
    /// emulator's (the environment, the test app, the architecture, lsqm).
    case unknown

    public var signature: FailureSignature? {
        if case .failed(let signature) = self { return signature }
        return nil
    }
}

/// What a result is a result of: the same architecture, the same deployed Terraform and the same test app.
/// Results compare only with results of the same identity (design.md "Regressions").
public struct ResultIdentity: Hashable, Sendable {
    public var arch: String
    public var terraformHash: String?
    public var appHash: String?
    public var deployOnly: Bool

    public init(_ result: ValidationResult) {
        arch = result.arch; terraformHash = result.terraformHash; appHash = result.appHash; deployOnly = result.deployOnly
    }
}

extension ValidationResult {
    /// The check name of the deploy.
    public static let deployCheck = "deploy"

    /// What this result says about each of its checks (`FailureSignature.check` names), or nil for an ERROR:
    /// an infrastructure failure says nothing about any check.
    public var checkOutcomes: [String: CheckOutcome]? {
        if status == .error { return nil }
        var outcomes: [String: CheckOutcome] = [:]
        let testsRan = status == .passed || failedStep == ValidationStep.tests.rawValue
        guard testsRan else {
            outcomes[Self.deployCheck] = Self.judged(FailureSignature(step: Self.deployCheck, test: nil, cause: cause), cause: cause)
            return outcomes
        }
        outcomes[Self.deployCheck] = .passed
        for test in tests {
            switch test.outcome {
            case .passed: outcomes["test \(test.name)"] = .passed
            case .skipped: outcomes["test \(test.name)"] = .unknown
            case .failed, .error:
                let testCause = test.cause ?? cause
                outcomes["test \(test.name)"] = Self.judged(
                    FailureSignature(step: ValidationStep.tests.rawValue, test: test.name, cause: testCause),
                    cause: testCause)
            }
        }
        // A test phase that failed without a failing test to blame (pytest hung past the timeout, or crashed).
        if status != .passed, !tests.contains(where: { $0.outcome == .failed || $0.outcome == .error }) {
            let signature = FailureSignature(step: ValidationStep.tests.rawValue, test: nil, cause: cause)
            outcomes[signature.check] = Self.judged(signature, cause: cause)
        }
        return outcomes
    }

    /// The failure signatures of this result, sorted; empty for PASSED and ERROR.
    public var failureSignatures: [FailureSignature] {
        (checkOutcomes ?? [:]).values.compactMap(\.signature).sorted()
    }

    /// A failure counts against the emulator only when its cause is the emulator's (or was never recorded).
    private static func judged(_ signature: FailureSignature, cause: FailureCause?) -> CheckOutcome {
        guard let cause else { return .failed(signature) }
        return cause.kind == .emulator ? .failed(signature) : .unknown
    }
}

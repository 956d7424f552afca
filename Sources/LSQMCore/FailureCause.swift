import Foundation

/// Why a validation did not pass, read from what actually happened (terraform's and the provider's output,
/// pytest's report, the emulator's log), never guessed from the status alone.
///
/// lsqm exists to tell emulator engineers what their emulator gets wrong. A verdict only says that when its
/// cause is `emulator`; every other class is lsqm's, the architecture's or the machine's problem and is shown
/// apart ("not the emulator's fault").
public struct FailureCause: Codable, Sendable, Equatable, Hashable {
    public enum Class: String, Codable, Sendable, CaseIterable, Comparable {
        /// The emulator answered wrongly: an unimplemented operation, a 5xx, a wrong or missing value.
        case emulator
        /// The architecture itself: a value only its author can supply, a resource it needs from outside.
        case architecture
        /// The test app asserted something the Terraform never asked for, or is broken itself.
        case test
        /// The machine: a provider or module that cannot be installed, Docker, network, disk, a crashed emulator.
        case environment
        /// lsqm itself: a normalizer that wrote invalid Terraform, a crash or bug of lsqm.
        case lsqm

        public static func < (lhs: Self, rhs: Self) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public var kind: Class
    /// The AWS service as boto3 names it (`sns`, `stepfunctions`), when one is involved.
    public var service: String?
    /// The API operation as AWS names it (`Publish`, `ValidateStateMachineDefinition`).
    public var operation: String?
    /// The validation step it happened in (`ValidationStep` raw values).
    public var step: String?
    /// The error code the answer carried (`InternalError`, `NotImplemented`, `NoSuchEntity`, an HTTP status).
    public var code: String?
    /// One line for people.
    public var message: String

    public init(_ kind: Class, service: String? = nil, operation: String? = nil, step: String? = nil, code: String? = nil, message: String) {
        self.kind = kind; self.service = service; self.operation = operation; self.step = step; self.code = code
        self.message = FailureCause.oneLine(message)
    }

    enum CodingKeys: String, CodingKey {
        case service, operation, step, code, message
        case kind = "class"
    }

    /// `service:Operation` when both are known (`apigateway:PutRestApi`), else whichever is.
    public var apiName: String? {
        switch (service, operation) {
        case let (service?, operation?): "\(service):\(operation)"
        case let (service?, nil): service
        case let (nil, operation?): operation
        default: nil
        }
    }

    /// Messages are one line of at most 300 characters: they are shown in tables and Slack messages.
    public static func oneLine(_ text: String) -> String {
        let collapsed = text.split(whereSeparator: { $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return collapsed.count > 300 ? String(collapsed.prefix(299)) + "…" : collapsed
    }
}

extension ValidationResult {
    /// Whether this verdict says something about the emulator: PASSED, or not passing because of the
    /// emulator. A non-passing result without a recorded cause (runs before causes existed) counts as the
    /// emulator's, as it always did. ERROR is infrastructure and never a verdict on the emulator.
    public var isEmulatorVerdict: Bool { Self.isEmulatorVerdict(status: status, causeClass: cause?.kind) }

    /// The rule of `isEmulatorVerdict`, for readers that decode only a result's status and cause class.
    public static func isEmulatorVerdict(status: ValidationStatus, causeClass: FailureCause.Class?) -> Bool {
        switch status {
        case .passed: true
        case .error: false
        case .partial, .failed, .timeout: causeClass.map { $0 == .emulator } ?? true
        }
    }
}

/// An architecture a run did not validate, and why: the chosen emulator does not offer a service it uses,
/// or its normalization needs an input only its author can give. Not a verdict: it counts nowhere.
public struct NotRun: Codable, Sendable, Equatable {
    public var arch: String
    public var name: String
    public var reason: String

    public init(arch: String, name: String, reason: String) {
        self.arch = arch; self.name = name; self.reason = reason
    }
}

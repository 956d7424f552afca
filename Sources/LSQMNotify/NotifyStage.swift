import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMPluginKit

/// Stage 8: tell people. Runs every configured notifier plugin with the run summary. A notifier that fails
/// (or crashes, in its worker) is recorded and never fails the run: the results are already pushed.
public enum NotifyStage {
    public struct Input: Sendable {
        public var summary: RunSummary
        public var notifiers: [PluginSelection]
        public var manager: PluginManager
        public var logger: Logger
        public init(summary: RunSummary, notifiers: [PluginSelection], manager: PluginManager, logger: Logger = .silent) {
            self.summary = summary; self.notifiers = notifiers; self.manager = manager; self.logger = logger
        }
    }

    public struct NotifierOutcome: Codable, Sendable, Equatable {
        public var notifier: String
        public var delivered: Bool
        public var detail: String?
        public var error: String?
        public var durationMs: Int
        enum CodingKeys: String, CodingKey {
            case notifier, delivered, detail, error
            case durationMs = "duration_ms"
        }
    }

    public static func run(_ input: Input) async -> [NotifierOutcome] {
        var outcomes: [NotifierOutcome] = []
        for selection in input.notifiers {
            let stopwatch = Stopwatch()
            do {
                let notifier = try await input.manager.notifier(named: selection.name, config: selection.config)
                let response: NotifyResponse
                do {
                    response = try await notifier.notify(input.summary)
                    await notifier.shutdown()
                } catch {
                    await notifier.shutdown()
                    throw error
                }
                outcomes.append(
                    NotifierOutcome(
                        notifier: selection.name, delivered: response.delivered, detail: response.detail, error: nil,
                        durationMs: stopwatch.milliseconds))
                input.logger.info(
                    "notify", "notified", "\(selection.name): \(response.detail ?? (response.delivered ? "delivered" : "not delivered"))",
                    fields: ["notifier": .string(selection.name)])
            } catch {
                let wrapped = error as? LSQMError ?? LSQMError.wrap(error, action: "notify with \(selection.name)", kind: .plugin)
                outcomes.append(
                    NotifierOutcome(
                        notifier: selection.name, delivered: false, detail: nil, error: wrapped.message,
                        durationMs: stopwatch.milliseconds))
                input.logger.warning("notify", "notifier_failed", "\(selection.name) failed; the run goes on", error: wrapped)
            }
        }
        return outcomes
    }
}

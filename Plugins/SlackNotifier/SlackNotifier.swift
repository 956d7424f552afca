import Foundation
import LSQMPluginKit

/// Posts the run summary to a Slack incoming webhook: Block Kit blocks with a plain-text fallback.
///
/// The webhook URL is a secret, so the plugin never sees it: it posts to `secret://SLACK_WEBHOOK_URL` and the
/// host's HTTP service substitutes the real URL (config `webhook_url` may name another secret URL, or a plain
/// URL for tests and self-hosted webhooks). Retries and backoff on 429/5xx are the host's.
public final class SlackNotifier: NotifierPlugin {
    public static let name = "SlackNotifier"
    public static let version = "1.0.0"
    public static let description = "Slack incoming webhook: pass rate, new architectures, regression alerts"

    private let host: PluginHost
    private let webhook: String
    private let reportURL: String?

    public required init(host: PluginHost, config: JSONValue) throws {
        self.host = host
        webhook = config["webhook_url"]?.stringValue ?? "secret://SLACK_WEBHOOK_URL"
        reportURL = config["report_url"]?.stringValue
    }

    public func notify(_ summary: RunSummary) throws -> NotifyResponse {
        let message = SlackMessage.build(summary, reportURL: summary.reportURL ?? reportURL)
        if summary.dryRun {
            return NotifyResponse(delivered: false, detail: "dry run: would post \"\(message.text)\"")
        }
        let body = try JSONCoding.string(message.payload)
        let response = try host.http(HTTPRequest(method: "POST", url: webhook, headers: ["content-type": "application/json"], body: body))
        guard (200..<300).contains(response.status) else {
            throw PluginError(
                "failed to post to Slack: HTTP \(response.status) \(String(response.body?.prefix(200) ?? ""))",
                retryable: response.status == 429 || response.status >= 500)
        }
        return NotifyResponse(delivered: true, detail: "posted to Slack (\(summary.regressions.count) regressions)")
    }
}

/// The Slack message for a run, as Block Kit plus the `text` fallback Slack shows in notifications.
enum SlackMessage {
    struct Built {
        var text: String
        var payload: JSONValue
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return String(format: "%.1f%%", value * 100)
    }

    static func delta(_ now: Double?, _ before: Double?) -> String {
        guard let now, let before else { return "" }
        let points = (now - before) * 100
        if abs(points) < 0.05 { return " (no change)" }
        return String(format: " (%@%.1f pts)", points > 0 ? "+" : "", points)
    }

    /// Slack mrkdwn needs &, < and > escaped in anything taken from data.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func build(_ summary: RunSummary, reportURL: String?) -> Built {
        let c = summary.counts
        let headline =
            "LocalStack quality run \(summary.runID): pass rate \(percent(summary.passRate))\(delta(summary.passRate, summary.previousPassRate))"
        var text = headline
        if !summary.regressions.isEmpty {
            text +=
                " — \(summary.regressions.count) regression\(summary.regressions.count == 1 ? "" : "s"): "
                + summary.regressions.map(\.name).joined(separator: ", ")
        }
        var blocks: [JSONValue] = [
            [
                "type": "header",
                "text": ["type": "plain_text", "text": .string(String("LocalStack quality: \(percent(summary.passRate)) passing".prefix(150)))],
            ],
            ["type": "section", "text": ["type": "mrkdwn", "text": .string(escape(headline))]],
            [
                "type": "section",
                "fields": [
                    ["type": "mrkdwn", "text": .string("*Total*\n\(c.total)")],
                    ["type": "mrkdwn", "text": .string("*Passed*\n\(c.passed)")],
                    ["type": "mrkdwn", "text": .string("*Partial / Failed*\n\(c.partial) / \(c.failed)")],
                    ["type": "mrkdwn", "text": .string("*Timeout / Error*\n\(c.timeout) / \(c.error)")],
                ],
            ],
        ]
        if !summary.regressions.isEmpty {
            let lines = summary.regressions.prefix(20).map { r in
                "• *\(escape(r.name))* (\(r.services.joined(separator: ", "))) → \(r.status)\(r.failedStep.map { " at \($0)" } ?? "")"
                    + (r.checked == false ? " _(still open, not checked this week)_" : r.ongoing == true ? " _(still failing)_" : "")
            }
            blocks.append([
                "type": "section", "text": ["type": "mrkdwn", "text": .string(":rotating_light: *Regressions*\n" + lines.joined(separator: "\n"))],
            ])
        }
        if let resolved = summary.resolved, !resolved.isEmpty {
            let names = resolved.prefix(20).map { "*\(escape($0.name))* (open since \(escape($0.openedRunID)))" }.joined(separator: ", ")
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": .string(":white_check_mark: *Passing again:* \(names)")]])
            text += " — passing again: " + resolved.map(\.name).joined(separator: ", ")
        }
        if !summary.newArchitectures.isEmpty {
            let names = summary.newArchitectures.prefix(10).map { escape($0.name) }.joined(separator: ", ")
            let more = summary.newArchitectures.count > 10 ? " and \(summary.newArchitectures.count - 10) more" : ""
            blocks.append([
                "type": "section",
                "text": ["type": "mrkdwn", "text": .string("*\(summary.newArchitectures.count) new architectures:* \(names)\(more)")],
            ])
        }
        if let reportURL {
            blocks.append(["type": "section", "text": ["type": "mrkdwn", "text": .string("<\(reportURL)|Open the report>")]])
            text += " — report: \(reportURL)"
        }
        return Built(text: text, payload: ["text": .string(text), "blocks": .array(blocks)])
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.notifier(SlackNotifier.self) }

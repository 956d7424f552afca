import Foundation
import LSQMPluginKit

/// Opens one GitHub issue per confirmed regression in the configured repository, and comments on the issue
/// instead when an open one with the same stable title and the `lsqm-regression` label exists.
///
/// Config: `{"repo": "owner/name", "api_url": "https://api.github.com", "label": "lsqm-regression",
/// "min_interval_ms": 1000}`; `repo` and `api_url` default to the host's `issue_repo` (ISSUE_REPO) and
/// `github_api_url`. The token is added by the host for the API host; this plugin never sees it.
/// Mutations (create, comment) are serial and at least `min_interval_ms` apart, as GitHub asks of integrations
/// to stay clear of secondary rate limits.
public final class GitHubIssuesNotifier: NotifierPlugin {
    public static let name = "GitHubIssuesNotifier"
    public static let version = "1.0.0"
    public static let description = "One GitHub issue per confirmed regression (comment when it already exists)"

    private let host: PluginHost
    private let repo: String
    private let apiURL: String
    private let label: String
    private let minimumInterval: TimeInterval
    private var lastMutation: Date?

    struct Issue: Decodable {
        var number: Int
        var title: String
        var pullRequest: JSONValue?
        enum CodingKeys: String, CodingKey { case number, title; case pullRequest = "pull_request" }
    }

    public required init(host: PluginHost, config: JSONValue) throws {
        self.host = host
        guard let repo = config["repo"]?.stringValue ?? config["issue_repo"]?.stringValue, repo.split(separator: "/").count == 2 else {
            throw PluginError("failed to configure GitHubIssuesNotifier: config needs \"repo\" as owner/name (ISSUE_REPO)")
        }
        self.repo = repo
        apiURL = (config["api_url"]?.stringValue ?? config["github_api_url"]?.stringValue ?? "https://api.github.com").trimmingCharacters(
            in: CharacterSet(charactersIn: "/"))
        label = config["label"]?.stringValue ?? "lsqm-regression"
        minimumInterval = (config["min_interval_ms"]?.doubleValue ?? 1000) / 1000
    }

    /// The stable title an architecture's regression issue always has, so it is found again next week.
    static func title(for regression: RunSummary.Regression) -> String { title(arch: regression.arch, name: regression.name) }

    static func title(arch: String, name: String) -> String { "LocalStack regression: \(name) [\(arch.prefix(12))]" }

    public func notify(_ summary: RunSummary) throws -> NotifyResponse {
        let resolved = summary.resolved ?? []
        guard !summary.regressions.isEmpty || !resolved.isEmpty else {
            return NotifyResponse(delivered: true, detail: "no regressions: nothing to file")
        }
        if summary.dryRun {
            return NotifyResponse(
                delivered: false, detail: "dry run: would file \(summary.regressions.count) issue(s) and close up to \(resolved.count) in \(repo)")
        }
        let existing = try openIssues()
        var created = 0, commented = 0, closed = 0
        // An architecture whose regressions all passed again: say so on its issue and close it. (A later regression
        // of it opens a new issue: the old one described another failure.)
        for fixed in resolved {
            guard let issue = existing.first(where: { $0.title == Self.title(arch: fixed.arch, name: fixed.name) }) else { continue }
            try mutate(
                "POST", "\(apiURL)/repos/\(repo)/issues/\(issue.number)/comments",
                [
                    "body": .string(
                        "Passes again in run `\(summary.runID)`: closing. The checks that passed again:\n\(Self.markdownList(fixed.signatures))")
                ])
            try mutate("PATCH", "\(apiURL)/repos/\(repo)/issues/\(issue.number)", ["state": "closed", "state_reason": "completed"])
            closed += 1
        }
        for regression in summary.regressions {
            let title = Self.title(for: regression)
            if let issue = existing.first(where: { $0.title == title }) {
                try mutate("POST", "\(apiURL)/repos/\(repo)/issues/\(issue.number)/comments", ["body": .string(comment(regression, summary))])
                commented += 1
            } else {
                try mutate(
                    "POST", "\(apiURL)/repos/\(repo)/issues",
                    ["title": .string(title), "body": .string(body(regression, summary)), "labels": [.string(label)]])
                created += 1
            }
        }
        return NotifyResponse(delivered: true, detail: "\(created) issue(s) opened, \(commented) comment(s) added, \(closed) closed in \(repo)")
    }

    /// Open issues with our label, following `Link: rel="next"` pages.
    private func openIssues() throws -> [Issue] {
        var url: String? = "\(apiURL)/repos/\(repo)/issues?state=open&labels=\(label)&per_page=100"
        var issues: [Issue] = []
        var pages = 0
        while let next = url, pages < 50 {
            let response = try host.http(HTTPRequest(url: next, headers: ["accept": "application/vnd.github+json"]))
            guard response.status == 200 else {
                throw PluginError(
                    "failed to list issues of \(repo): HTTP \(response.status)", retryable: response.status >= 500 || response.status == 429)
            }
            do { issues += try JSONCoding.decode([Issue].self, from: response.data).filter { $0.pullRequest == nil } } catch {
                throw PluginError("failed to read the issue list of \(repo): \(PluginError.describe(error))")
            }
            url = response.nextLink
            pages += 1
        }
        return issues
    }

    private func mutate(_ method: String, _ url: String, _ payload: JSONValue) throws {
        if let lastMutation {
            let wait = minimumInterval - Date().timeIntervalSince(lastMutation)
            // Plugin calls are synchronous C calls on a thread of their own (never a Swift concurrency thread).
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        defer { lastMutation = Date() }
        let response = try host.http(
            HTTPRequest(
                method: method, url: url, headers: ["accept": "application/vnd.github+json", "content-type": "application/json"],
                body: try JSONCoding.string(payload), cache: false))
        guard (200..<300).contains(response.status) else {
            throw PluginError("failed to \(method) \(url): HTTP \(response.status)", retryable: response.status >= 500 || response.status == 429)
        }
    }

    /// The failing checks as a Markdown list, or nothing when the host sent none (an older host).
    private func signatureList(_ r: RunSummary.Regression) -> String {
        guard let signatures = r.signatures, !signatures.isEmpty else { return "" }
        return "\nFailing checks (step, test, cause class, service:operation, code):\n" + Self.markdownList(signatures) + "\n"
    }

    /// Signatures as Markdown list items in code spans (a backtick in one cannot end its span).
    static func markdownList(_ signatures: [String]) -> String {
        signatures.map { "- `\($0.replacingOccurrences(of: "`", with: "'"))`" }.joined(separator: "\n")
    }

    private func body(_ r: RunSummary.Regression, _ summary: RunSummary) -> String {
        """
        lsqm found checks of an architecture that passed against LocalStack at their baseline and now fail, with the \
        same architecture, deployed Terraform and test app; re-runs in a fresh emulator state reproduced the same failure.
        \(signatureList(r))

        | | |
        |---|---|
        | Architecture | `\(r.arch)` |
        | Source | \(r.sourceURL) |
        | Services | \(r.services.joined(separator: ", ")) |
        | Baseline run (passed) | `\(r.previousRunID)` |
        | This run | `\(summary.runID)` → **\(r.status)** |
        | Failing step | \(r.failedStep ?? "unknown") |

        <details><summary>Log excerpt</summary>

        ```
        \(String((r.logExcerpt ?? "(no log)").suffix(3000)))
        ```
        </details>
        \(summary.reportURL.map { "\nReport: \($0)" } ?? "")
        """
    }

    private func comment(_ r: RunSummary.Regression, _ summary: RunSummary) -> String {
        // A week that could not check it (an outage) must not read as "still failing": nothing was observed.
        if r.checked == false {
            return "Not checked in run `\(summary.runID)` (the architecture's verdict was **\(r.status)**, which says nothing about these checks): "
                + "the regression stays open.\n" + signatureList(r)
        }
        return "Still failing in run `\(summary.runID)`: **\(r.status)** at \(r.failedStep ?? "unknown step").\n" + signatureList(r)
            + "\n```\n\(String((r.logExcerpt ?? "").suffix(1500)))\n```"
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.notifier(GitHubIssuesNotifier.self) }

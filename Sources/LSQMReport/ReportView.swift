import Foundation
import LSQMBasics
import LSQMCore

/// Everything the HTML template shows, as plain stored properties (the template engine reads them by
/// reflection). Strings here are raw data; the template escapes them.
struct ReportView {
    struct Card { var key: String; var label: String; var value: String; var delta: String; var trend: String }
    struct Emulator { var name: String; var runtime: String; var version: String; var digest: String }
    struct Change {
        var name: String
        var arch: String
        var archShort: String
        var previous: String
        var current: String
        /// Nil (not empty) when there is nothing to show, so the template's section drops its punctuation too.
        var reruns: String?
        var services: String?
        var url: String?
    }
    struct ChangeList { var id: String; var title: String; var count: Int; var items: [Change]; var more: Int; var hasMore: Bool }
    struct MatrixRow {
        var service: String
        var total: Int
        var passed: Int
        var partial: Int
        var failed: Int
        var timeout: Int
        var error: Int
        var notEmulator: Int
        var passRate: String
        var spark: Charts.Sparkline?
        var declining: Bool
        var baseline: String
    }
    struct Flaky { var name: String; var archShort: String; var times: Int; var lastRun: String; var reruns: String }
    /// One candidate check of a compared run, in words: its signature, baseline, what each re-run did, the decision.
    struct DecisionCheck {
        var signature: String
        var baselineRunID: String
        var reruns: [String]
        var hasReruns: Bool
        var state: String
        /// "confirmed: the same failure reproduced 2/2 times in a fresh emulator state; …"
        var decision: String
    }
    /// A regression candidate (an architecture with candidate checks) and the decisions on its checks.
    struct Decision {
        var name: String
        var arch: String
        var archShort: String
        var previous: String
        var current: String
        var state: String
        var baselineRunID: String?
        var checks: [DecisionCheck]
        /// Set for comparisons saved before checks were decided one by one: the whole architecture's re-run verdicts.
        var legacy: String?
    }
    /// A regression open after the run: confirmed now or earlier, and not passed since.
    struct OpenItem {
        var name: String
        var arch: String
        var archShort: String
        var check: String
        var signature: String
        var openedRunID: String
        var baselineRunID: String
        var isNew: Bool
        var checked: Bool
        /// "still failing the same way" or "not checked this week (ERROR …), still open since run X".
        var state: String
    }
    /// A check that flaked in the flakiness window (`trends/flakiness.json`).
    struct FlakyTest {
        var name: String
        var arch: String
        var archShort: String
        var check: String
        var rate: String
        var flakes: Int
        var conclusive: Int
        var outcomes: String
        var signatures: [String]
    }
    /// A link to an architecture's row in the table (`#arch-<hash>`, which the page script opens).
    struct ArchLink { var arch: String; var archShort: String; var name: String; var status: String }
    /// A list cut to `listLimit` entries for the markup (`lsqm report --json` has them all), with what was left out.
    struct Listing<Item> {
        var items: [Item]
        var count: Int
        var any: Bool
        var more: Int
        var hasMore: Bool

        init<C: Collection>(_ all: C, limit: Int = ReportView.listLimit) where C.Element == Item {
            items = Array(all.prefix(limit)); count = all.count; any = !all.isEmpty
            more = max(0, all.count - limit); hasMore = all.count > limit
        }
    }
    struct Gap {
        var rank: Int; var api: String; var codes: String?; var count: Int; var countLabel: String; var message: String?; var links: Listing<ArchLink>
    }
    struct CauseItem {
        var link: ArchLink
        var step: String?
        var api: String?
        var code: String?
        var message: String
    }
    struct CauseGroup { var kind: String; var title: String; var listing: Listing<CauseItem> }
    struct NotRunItem { var arch: String; var archShort: String; var name: String; var reason: String }

    var title: String
    var runID: String
    var startedAt: String
    var finishedAt: String
    var generatedAt: String
    var previousRunID: String?
    var emulator: Emulator?
    var cards: [Card]
    var regressions: [Change]
    var regressionCount: Int
    var hasRegressions: Bool
    var regressionsMore: Int
    var hasRegressionsMore: Bool
    var unconfirmed: [Change]
    var unconfirmedCount: Int
    var hasUnconfirmed: Bool
    var unconfirmedMore: Int
    var hasUnconfirmedMore: Bool
    var unconfirmedNote: String
    var comparisonNote: String
    var decisions: [Decision]
    var hasDecisions: Bool
    var open: [OpenItem]
    var openCount: Int
    var hasOpen: Bool
    /// What the open list says when empty: open regressions are known only once the run was compared.
    var openNone: String
    var carriedCount: Int
    var hasCarried: Bool
    var flakyTests: [FlakyTest]
    var hasFlakyTests: Bool
    var flakinessNote: String
    var matrix: [MatrixRow]
    var decliningServices: [String]
    var hasDeclining: Bool
    var passChart: Charts.LineChart?
    var statusChart: Charts.BarChart?
    var chartRuns: Int
    var changes: [ChangeList]
    var flaky: [Flaky]
    var hasFlaky: Bool
    var notEmulatorCount: Int
    var gaps: [Gap]
    var hasGaps: Bool
    var gapsUnattributed: Int
    var hasGapsUnattributed: Bool
    var causeGroups: [CauseGroup]
    var notRun: Listing<NotRunItem>
    var totalRows: Int
    var version: String
    var css: String
    var script: String
    var contentSecurityPolicy: String
    var dataJSON: String
    var detailsJSON: String
    /// The rendered "Emulator targets" section (`TargetsSection`), empty for a run of one target.
    var targetsSection = ""
}

extension ReportView {
    /// How many runs the trend charts and sparklines show.
    static let chartRuns = 12
    /// Entries listed in a banner; the rest are one filter away in the table (previous status PASSED).
    static let bannerLimit = 50
    /// Entries shown per change list (fixes, new, removed); the table holds every architecture anyway.
    static let listLimit = 200

    static func cards(current: StatusCounts, previous: StatusCounts?) -> [Card] {
        // For passed (and pass rate) up is good; for every failure kind up is bad.
        func card(_ key: String, _ label: String, _ value: Int, _ before: Int?, upIsGood: Bool) -> Card {
            guard let before else { return Card(key: key, label: label, value: "\(value)", delta: "first run", trend: "same") }
            let delta = value - before
            let trend = delta == 0 ? "same" : ((delta > 0) == upIsGood ? "good" : "bad")
            return Card(key: key, label: label, value: "\(value)", delta: delta == 0 ? "±0" : (delta > 0 ? "+\(delta)" : "−\(-delta)"), trend: trend)
        }
        var cards = [card("total", "Total", current.total, previous?.total, upIsGood: true)]
        for status in ValidationStatus.allCases {
            cards.append(
                card(
                    status.rawValue.lowercased(), status.rawValue.capitalized, current.count(status), previous?.count(status),
                    upIsGood: status == .passed))
        }
        let rate = current.passRate.map { $0 * 100 }
        let before = previous?.passRate.map { $0 * 100 }
        var rateCard = Card(key: "rate", label: "Pass rate", value: rate.map(Charts.percent) ?? "n/a", delta: "first run", trend: "same")
        if let rate, let before {
            let delta = ((rate - before) * 10).rounded() / 10
            rateCard.delta = delta == 0 ? "±0 pts" : String(format: "%@%.1f pts", delta > 0 ? "+" : "−", abs(delta))
            rateCard.trend = delta == 0 ? "same" : (delta > 0 ? "good" : "bad")
        } else if previous != nil {
            rateCard.delta = "n/a"
        }
        cards.append(rateCard)
        // Up is bad: more verdicts that say nothing about the emulator.
        cards.append(card("not-emulator", "Not the emulator's fault", current.notEmulator, previous?.notEmulator, upIsGood: false))
        return cards
    }

    static func change(_ change: ResultChange, reruns: [ValidationStatus] = []) -> Change {
        Change(
            name: change.name, arch: change.arch, archShort: ReportText.short(change.arch),
            previous: change.previous?.rawValue ?? "—", current: change.current?.rawValue ?? "—",
            reruns: reruns.isEmpty ? nil : reruns.map(\.rawValue).joined(separator: ", "),
            services: change.services.isEmpty ? nil : change.services.joined(separator: ", "),
            url: ReportText.safeURL(change.sourceURL))
    }

    static func changeList(id: String, title: String, _ changes: [ResultChange]) -> ChangeList {
        ChangeList(
            id: id, title: title, count: changes.count, items: changes.prefix(listLimit).map { change($0) },
            more: max(0, changes.count - listLimit), hasMore: changes.count > listLimit)
    }

    static func matrix(trends: TrendSet, currentRunID: String, chartRunIDs: [String]) -> [MatrixRow] {
        trends.services.compactMap { trend -> MatrixRow? in
            guard let latest = trend.latest, latest.runID == currentRunID else { return nil }
            let rateByRun = Dictionary(trend.points.map { ($0.runID, $0.passRate) }, uniquingKeysWith: { $1 })
            let c = latest.counts
            return MatrixRow(
                service: trend.service, total: c.total, passed: c.passed, partial: c.partial, failed: c.failed,
                timeout: c.timeout, error: c.error, notEmulator: c.notEmulator, passRate: latest.passRate.map(Charts.percent) ?? "n/a",
                spark: Charts.sparkline(chartRunIDs.map { rateByRun[$0] ?? nil }), declining: trend.declining,
                baseline: trend.baselinePassRate.map(Charts.percent) ?? "")
        }
    }

    static func link(arch: String, name: String, status: ValidationStatus) -> ArchLink {
        ArchLink(arch: arch, archShort: ReportText.short(arch), name: name, status: status.rawValue)
    }

    /// The API gap ranking: every gap, each listing at most `listLimit` architectures in the markup.
    static func gapViews(_ gaps: [RunDiagnosis.Gap]) -> [Gap] {
        gaps.enumerated().map { (index: Int, gap: RunDiagnosis.Gap) -> Gap in
            Gap(
                rank: index + 1, api: gap.api, codes: gap.codes.isEmpty ? nil : gap.codes.joined(separator: ", "), count: gap.count,
                countLabel: gap.count == 1 ? "architecture" : "architectures", message: gap.message.isEmpty ? nil : gap.message,
                links: Listing(gap.architectures.lazy.map { link(arch: $0.arch, name: $0.name, status: $0.status) }))
        }
    }

    /// The verdicts that are not the emulator's fault, one group per cause class that has any.
    static func causeGroupViews(_ verdicts: [RunDiagnosis.NotEmulator]) -> [CauseGroup] {
        let titles: [FailureCause.Class: String] = [
            .architecture: "The architecture (needs a value or resource only its author can supply)",
            .test: "The generated test (asserts what the Terraform never asked for, or is broken)",
            .environment: "The environment (providers, Docker, network, disk)",
            .lsqm: "lsqm itself (a normalizer or lsqm bug)",
        ]
        return FailureCause.Class.allCases.compactMap { kind -> CauseGroup? in
            let members = verdicts.filter { $0.cause.kind == kind }
            guard !members.isEmpty else { return nil }
            let items = members.lazy.map {
                CauseItem(
                    link: link(arch: $0.arch, name: $0.name, status: $0.status), step: $0.cause.step, api: $0.cause.apiName,
                    code: $0.cause.code, message: $0.cause.message)
            }
            return CauseGroup(kind: kind.rawValue, title: titles[kind] ?? kind.rawValue, listing: Listing(items))
        }
    }

    static func notRunItems(_ entries: [NotRun]) -> Listing<NotRunItem> {
        Listing(entries.lazy.map { NotRunItem(arch: $0.arch, archShort: ReportText.short($0.arch), name: $0.name, reason: $0.reason) })
    }

    /// Every candidate the comparison decided on, in words, regressions first, then flaky, then unconfirmed.
    static func decisions(_ comparison: RunComparison) -> [Decision] {
        (comparison.regressions + comparison.flaky + comparison.unconfirmed).map { checked in
            let change = change(checked.change)
            let checks = checked.checks.map { decision in
                DecisionCheck(
                    signature: decision.signature.description, baselineRunID: decision.baselineRunID,
                    reruns: decision.reruns.enumerated().map { index, rerun in "re-run \(index + 1): " + describe(rerun) },
                    hasReruns: !decision.reruns.isEmpty,
                    state: decision.state.rawValue, decision: "\(decision.state.rawValue): \(decision.reason)")
            }
            let legacy =
                checked.checks.isEmpty
                ? "\(checked.state.rawValue) for the whole architecture"
                    + (checked.reruns.isEmpty ? ", not re-validated" : " (re-runs: \(checked.reruns.map(\.rawValue).joined(separator: ", ")))")
                : nil
            return Decision(
                name: change.name, arch: change.arch, archShort: change.archShort, previous: change.previous, current: change.current,
                state: checked.state.rawValue, baselineRunID: checked.baselineRunID, checks: checks, legacy: legacy)
        }
    }

    /// What one re-run did to a check, in words.
    static func describe(_ rerun: RerunObservation) -> String {
        switch rerun.outcome {
        case .reproduced: return "the same failure (\(rerun.signature?.description ?? "same signature"))"
        case .passed: return "passed"
        case .different: return "failed differently: \(rerun.signature?.description ?? "another failure")"
        case .unknown: return "no verdict on this check (an ERROR, or the check was not reached)"
        }
    }

    /// The regressions open after `current`, each with whether this run checked it and why not.
    static func openItems(_ open: [OpenRegression], current: RunRecord) -> [OpenItem] {
        let results = Dictionary(current.results.map { ($0.arch, $0) }, uniquingKeysWith: { a, b in a.status >= b.status ? a : b })
        return open.map { regression in
            let isNew = regression.openedRunID == current.runID
            let state: String
            if !regression.checked {
                state = "not checked this week (\(uncheckedReason(results[regression.arch]))), still open since run \(regression.openedRunID)"
            } else if let now = regression.currentSignature, now != regression.signature {
                state = (isNew ? "confirmed in this run" : "still failing, open since run \(regression.openedRunID)") + ", now as \(now.description)"
            } else {
                state = isNew ? "confirmed in this run" : "still failing the same way, open since run \(regression.openedRunID)"
            }
            return OpenItem(
                name: regression.name, arch: regression.arch, archShort: ReportText.short(regression.arch), check: regression.check,
                signature: regression.signature.description, openedRunID: regression.openedRunID,
                baselineRunID: regression.baselineRunID, isNew: isNew, checked: regression.checked, state: state)
        }
    }

    /// Why a run could not check an open regression: its architecture's verdict and that verdict's cause.
    static func uncheckedReason(_ result: ValidationResult?) -> String {
        guard let result else { return "not validated in this run" }
        var text = result.status.rawValue
        if let cause = result.cause {
            let api = [cause.apiName, cause.code].compactMap { $0 }.joined(separator: " ")
            text +=
                ": \(cause.kind.rawValue)" + (api.isEmpty ? "" : " \(api)")
                + (cause.message.isEmpty ? "" : ", " + ReportText.head(cause.message, 160))
        } else if result.status != .error {
            text += ", the check was not reached or not judged"
        }
        return text
    }

    /// The checks that flaked in the window, highest rate first.
    static func flakyTests(_ file: FlakinessFile?) -> [FlakyTest] {
        (file?.checks ?? []).filter { $0.flakes > 0 }
            .sorted { ($1.score, $0.name, $0.check) < ($0.score, $1.name, $1.check) }
            .map { check in
                let conclusive = check.outcomes.filter { $0 == "P" || $0 == "F" }.count
                return FlakyTest(
                    name: check.name, arch: check.arch, archShort: ReportText.short(check.arch), check: check.check,
                    rate: Charts.percent(check.score * 100), flakes: check.flakes, conclusive: conclusive,
                    outcomes: check.outcomes, signatures: (check.signatures ?? []).map(\.description))
            }
    }

    /// Architectures that were flaky (passed on a confirming re-run) in any of the given comparisons, most often first.
    static func flaky(_ comparisons: [RunComparison]) -> [Flaky] {
        var byArch: [String: Flaky] = [:]
        for comparison in comparisons.sorted(by: { $0.currentRunID < $1.currentRunID }) {
            for checked in comparison.flaky {
                var entry =
                    byArch[checked.change.arch]
                    ?? Flaky(
                        name: checked.change.name, archShort: ReportText.short(checked.change.arch),
                        times: 0, lastRun: "", reruns: "")
                entry.times += 1
                entry.lastRun = comparison.currentRunID
                entry.reruns = ([checked.change.current?.rawValue].compactMap { $0 } + checked.reruns.map(\.rawValue)).joined(separator: " → ")
                byArch[checked.change.arch] = entry
            }
        }
        return byArch.values.sorted { ($0.times, $1.name) > ($1.times, $0.name) }
    }
}

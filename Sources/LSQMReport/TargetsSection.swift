import Foundation
import LSQMBasics
import LSQMCore
import Mustache

/// The dashboard's "Emulator targets" section (issue 17): where two targets of the run disagree, per service
/// and per outcome pair (the difference affecting most architectures first), with the agreement line and the
/// pre-release gate's verdict when the targets were compared with re-runs.
///
/// It is a template of its own, rendered apart and placed into the page as one block, so the page's template
/// changes in one line only. Its own rendering escapes every value (`{{x}}`), which is what makes placing the
/// result with `{{{targetsSection}}}` safe.
enum TargetsSection {
    /// Architectures listed per difference; the rest are in `lsqm compare --targets A B --json`.
    static let listLimit = 25

    struct Service { var service: String; var onlyA: Int; var onlyB: Int }
    /// `detail` and `gate` are nil (not empty) when there is nothing to show, so their template sections drop.
    struct Item { var name: String; var archShort: String; var arch: String; var detail: String?; var gate: String? }
    struct Group { var title: String; var count: Int; var items: [Item]; var more: Int; var hasMore: Bool }
    struct View {
        var targetA: String
        var targetB: String
        var emulatorA: String
        var emulatorB: String
        var agreement: String
        var services: [Service]
        var hasServices: Bool
        var groups: [Group]
        var gate: String
        var gateFailed: Bool
    }

    static let html = #"""
        <section id="targets" aria-labelledby="targets-title">
          <h2 id="targets-title">Emulator targets: {{targetA}} and {{targetB}}</h2>
          <p class="muted">A = <code>{{targetA}}</code> ({{emulatorA}}), B = <code>{{targetB}}</code> ({{emulatorB}}): the same architectures and tests on both.</p>
          <p id="targets-agreement" class="headline">{{agreement}}</p>
          {{#hasServices}}
          <div class="scroll"><table id="targets-services">
            <thead><tr><th scope="col">Service</th><th scope="col" class="num">Passes on A only</th><th scope="col" class="num">Passes on B only</th></tr></thead>
            <tbody>{{#services}}<tr><td>{{service}}</td><td class="num">{{onlyA}}</td><td class="num">{{onlyB}}</td></tr>{{/services}}</tbody>
          </table></div>
          {{/hasServices}}
          {{#groups}}
          <details class="targets-difference">
            <summary>{{title}}: {{count}}</summary>
            <ul>{{#items}}<li><strong>{{name}}</strong> <code title="{{arch}}">{{archShort}}</code>{{#detail}} <span class="muted">{{detail}}</span>{{/detail}}{{#gate}} [{{gate}}]{{/gate}}</li>{{/items}}</ul>
            {{#hasMore}}<p class="muted">and {{more}} more: <code>lsqm compare --targets {{targetA}} {{targetB}} --json</code> lists them all.</p>{{/hasMore}}
          </details>
          {{/groups}}
          <p id="targets-gate" class="{{#gateFailed}}banner danger{{/gateFailed}}{{^gateFailed}}muted{{/gateFailed}}">{{gate}}</p>
        </section>
        """#

    /// The section for a run: its stored difference view, else one computed (unconfirmed) from the first two
    /// targets; empty for a run of one target.
    static func render(store: ArtifactStore, run: RunRecord, logger: Logger) -> String {
        var comparison: TargetComparison?
        do { comparison = try store.loadTargetComparison(run.runID) } catch {
            logger.warning("report", "targets", "target comparison recomputed", error: LSQMError.wrap(error, action: "read the target comparison"))
        }
        if comparison == nil, run.otherTargets.count >= 1 {
            comparison = try? TargetComparison.compare(run, a: run.targetNames[0], b: run.targetNames[1])
        }
        guard let comparison, let template = try? MustacheTemplate(string: html) else { return "" }
        return template.render(view(comparison))
    }

    static func view(_ comparison: TargetComparison) -> View {
        func describe(_ info: EmulatorInfo?) -> String {
            guard let info else { return "emulator not recorded" }
            return [info.name, info.version, info.edition].compactMap { $0 }.joined(separator: " ")
        }
        let byArch = Dictionary(comparison.architectures.map { ($0.arch, $0) }, uniquingKeysWith: { first, _ in first })
        let groups = comparison.differences.map { group in
            let items = group.architectures.prefix(listLimit).compactMap { arch -> Item? in
                guard let disagreement = byArch[arch] else { return nil }
                let failing = group.passesOn == "a" ? disagreement.b : disagreement.a
                return Item(
                    name: disagreement.name, archShort: String(arch.prefix(12)), arch: arch,
                    detail: failing.detail.map(FailureCause.oneLine), gate: disagreement.gate.map { "gate: \($0.state.rawValue)" })
            }
            return Group(
                title: "Passes on \(group.passesOn == "a" ? "A" : "B") only — A: \(group.a); B: \(group.b)", count: group.count,
                items: items, more: max(0, group.count - listLimit), hasMore: group.count > listLimit)
        }
        let confirmed = comparison.confirmedRegressions.count
        let gate =
            comparison.confirmAttempts == 0
            ? "Gate not run: compare with re-runs (lsqm compare --targets A B) to confirm what fails only on B."
            : confirmed > 0
                ? "Gate: \(confirmed) architecture(s) pass on A and fail on B, confirmed by re-runs on B."
                : "Gate: B fails nothing A passes that re-runs on B confirm."
        return View(
            targetA: comparison.targetA, targetB: comparison.targetB, emulatorA: describe(comparison.emulatorA),
            emulatorB: describe(comparison.emulatorB), agreement: comparison.agreement.line,
            services: comparison.services.map { Service(service: $0.service, onlyA: $0.passesOnlyOnA, onlyB: $0.passesOnlyOnB) },
            hasServices: !comparison.services.isEmpty, groups: groups, gate: gate, gateFailed: confirmed > 0)
    }
}

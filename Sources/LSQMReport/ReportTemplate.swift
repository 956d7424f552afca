// The dashboard's Mustache template. `{{x}}` escapes HTML; `{{{x}}}` is used only for the stylesheet and script
// (constants of this module), for the two JSON blocks, which `ReportText.scriptSafeJSON` made inert, and for the
// targets section, rendered by its own template that escapes every value (`TargetsSection`).
//
// It is a string literal rather than a SwiftPM resource on purpose: `Bundle.module` stops the process with a
// fatal error when the resource bundle is not next to the binary, and lsqm is often copied on its own into a CI
// image. A literal cannot go missing.
enum ReportTemplate {
    static let html = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="{{contentSecurityPolicy}}">
        <title>{{title}}</title>
        <style>{{{css}}}</style>
        </head>
        <body>
        <a class="skip" href="#architectures">Skip to the architecture table</a>
        <header class="top">
          <h1>LocalStack compatibility <span class="run">run {{runID}}</span></h1>
          <dl class="meta">
            <div><dt>Started</dt><dd>{{startedAt}}</dd></div>
            <div><dt>Finished</dt><dd>{{finishedAt}}</dd></div>
            {{#emulator}}
            <div><dt>Emulator</dt><dd id="emulator">{{name}} {{version}} <span class="muted">({{runtime}})</span></dd></div>
            <div><dt>Image digest</dt><dd><code id="image-digest">{{digest}}</code></dd></div>
            {{/emulator}}
            {{^emulator}}<div><dt>Emulator</dt><dd id="emulator">not recorded</dd></div>{{/emulator}}
            <div><dt>Compared with</dt><dd>{{#previousRunID}}run {{previousRunID}}{{/previousRunID}}{{^previousRunID}}nothing (first run){{/previousRunID}}</dd></div>
          </dl>
        </header>
        <main>
        {{#hasRegressions}}
        <section id="regressions" class="banner danger" role="alert" aria-labelledby="regressions-title">
          <h2 id="regressions-title">{{regressionCount}} confirmed regression(s)</h2>
          <p>Passed at their baseline (each check's last conclusive result with the same architecture, Terraform and test app), fail now, and re-runs in a fresh emulator state reproduced the same failure. {{comparisonNote}} <a href="#regression-decisions">The decisions</a>.</p>
          <ul>
            {{#regressions}}
            <li><strong>{{name}}</strong> <code title="{{arch}}">{{archShort}}</code>: {{previous}} → {{current}}{{#reruns}}, re-run {{reruns}}{{/reruns}}
              {{#services}}<span class="muted">({{services}})</span>{{/services}}{{#url}} <a href="{{url}}" rel="noopener noreferrer">source</a>{{/url}}</li>
            {{/regressions}}
          </ul>
          {{#hasRegressionsMore}}<p>and {{regressionsMore}} more: in the table, choose Change “passed before, failing now”.</p>{{/hasRegressionsMore}}
        </section>
        {{/hasRegressions}}
        {{#hasUnconfirmed}}
        <section id="unconfirmed" class="banner warn" aria-labelledby="unconfirmed-title">
          <h2 id="unconfirmed-title">{{unconfirmedCount}} unconfirmed regression candidate(s)</h2>
          <p>{{unconfirmedNote}}</p>
          <details><summary>Show them</summary>
          <ul>
            {{#unconfirmed}}
            <li><strong>{{name}}</strong> <code title="{{arch}}">{{archShort}}</code>: {{previous}} → {{current}}{{#reruns}}, re-run {{reruns}}{{/reruns}}
              {{#services}}<span class="muted">({{services}})</span>{{/services}}</li>
            {{/unconfirmed}}
          </ul>
          {{#hasUnconfirmedMore}}<p>and {{unconfirmedMore}} more: in the table, choose Change “passed before, failing now”.</p>{{/hasUnconfirmedMore}}
          </details>
        </section>
        {{/hasUnconfirmed}}
        {{#hasCarried}}
        <section id="still-open" class="banner danger" aria-labelledby="still-open-title">
          <h2 id="still-open-title">{{carriedCount}} regression(s) still open from earlier runs</h2>
          <p>Confirmed before and not passed since: <a href="#open-regressions">which, and whether this run checked them</a>.</p>
        </section>
        {{/hasCarried}}
        {{^hasRegressions}}{{^hasUnconfirmed}}{{^hasOpen}}<p id="no-regressions" class="banner ok">No regressions. {{comparisonNote}}</p>{{/hasOpen}}{{/hasUnconfirmed}}{{/hasRegressions}}

        <section id="regression-decisions" aria-labelledby="decisions-title">
          <h2 id="decisions-title">Regressions: open, and this run's decisions</h2>
          <h3 id="open-regressions">Open regressions <span class="muted">({{openCount}})</span></h3>
          {{#hasOpen}}
          <ul id="open-list">
            {{#open}}<li class="open-regression{{^checked}} unchecked{{/checked}}"><strong>{{name}}</strong> <code title="{{arch}}">{{archShort}}</code> {{check}}: <code>{{signature}}</code> — {{state}} <span class="muted">(baseline run {{baselineRunID}})</span></li>{{/open}}
          </ul>
          {{/hasOpen}}
          {{^hasOpen}}<p id="open-none">{{openNone}}</p>{{/hasOpen}}
          <h3>Regression candidates decided in this run</h3>
          {{#hasDecisions}}
          <ul id="decision-list">
            {{#decisions}}
            <li class="decision d-{{state}}"><strong>{{name}}</strong> <code title="{{arch}}">{{archShort}}</code>: {{previous}} → {{current}}, {{state}}{{#baselineRunID}} <span class="muted">(baseline run {{baselineRunID}})</span>{{/baselineRunID}}
              {{#legacy}}<p>{{.}}</p>{{/legacy}}
              <ul>{{#checks}}<li><code>{{signature}}</code> <span class="muted">passed in run {{baselineRunID}}</span>
                {{#hasReruns}}<ol class="reruns">{{#reruns}}<li>{{.}}</li>{{/reruns}}</ol>{{/hasReruns}}
                <p class="reason">{{decision}}</p></li>{{/checks}}</ul>
            </li>
            {{/decisions}}
          </ul>
          {{/hasDecisions}}
          {{^hasDecisions}}<p id="decisions-none">{{#hasUnconfirmed}}Not compared yet: the candidates above have no decision.{{/hasUnconfirmed}}{{^hasUnconfirmed}}No check failed that passed at its baseline.{{/hasUnconfirmed}}</p>{{/hasDecisions}}
        </section>

        <section aria-labelledby="summary-title">
          <h2 id="summary-title">Summary</h2>
          <ul class="cards" id="summary">
            {{#cards}}
            <li class="card card-{{key}}"><span class="label">{{label}}</span><span class="value">{{value}}</span><span class="delta {{trend}}" title="change since the previous run">{{delta}}</span></li>
            {{/cards}}
          </ul>
          <p id="not-emulator-headline" class="headline">Not the emulator's fault: <strong>{{notEmulatorCount}}</strong>
            <span class="muted">(left out of every pass rate; <a href="#not-emulator">their causes</a>)</span>{{#notRun}}{{#any}} ·
            Not run: <strong>{{count}}</strong> <span class="muted">(<a href="#not-run">why</a>; counted nowhere)</span>{{/any}}{{/notRun}}</p>
        </section>
        {{{targetsSection}}}

        <section id="api-gaps" aria-labelledby="gaps-title">
          <h2 id="gaps-title">API gaps <span class="muted">(the emulator's failing operations, by architectures blocked)</span></h2>
          {{#hasGaps}}
          <ol class="gaps" id="gap-list">
            {{#gaps}}
            <li id="gap-{{rank}}"><details><summary><code class="api">{{api}}</code>{{#codes}} <span class="codes">({{codes}})</span>{{/codes}} — <strong class="gap-count">{{count}}</strong> {{countLabel}}</summary>
              {{#message}}<p class="muted">e.g. {{message}}</p>{{/message}}
              {{#links}}<ul class="links">{{#items}}<li><a href="#arch-{{arch}}">{{name}}</a> <span class="badge s-{{status}}">{{status}}</span></li>{{/items}}</ul>
              {{#hasMore}}<p class="muted">and {{more}} more: <code>lsqm report --json</code> lists them all.</p>{{/hasMore}}{{/links}}
            </details></li>
            {{/gaps}}
          </ol>
          {{/hasGaps}}
          {{^hasGaps}}<p id="gaps-none">No failing operation of the emulator is named in this run.</p>{{/hasGaps}}
          {{#hasGapsUnattributed}}<p class="muted" id="gaps-unattributed">{{gapsUnattributed}} of the emulator's failing verdicts name no operation (recorded before causes, or the answer named none): they are in no gap.</p>{{/hasGapsUnattributed}}
        </section>

        <section aria-labelledby="trends-title">
          <h2 id="trends-title">Trends <span class="muted">(last {{chartRuns}} runs)</span></h2>
          <div class="charts">
            {{#passChart}}
            <figure class="chart">
              <figcaption>Pass rate</figcaption>
              <svg id="chart-pass-rate" viewBox="0 0 640 220" role="img" aria-label="{{summary}}">
                {{#grid}}<line class="grid" x1="44" x2="628" y1="{{y}}" y2="{{y}}"/><text class="axis" x="38" y="{{labelY}}" text-anchor="end">{{label}}</text>{{/grid}}
                <polyline class="line" points="{{polyline}}"/>
                {{#dots}}<circle class="dot" cx="{{x}}" cy="{{y}}" r="4"><title>{{title}}</title></circle>{{/dots}}
                {{#xLabels}}<text class="axis" x="{{x}}" y="{{y}}" text-anchor="middle">{{text}}</text>{{/xLabels}}
              </svg>
            </figure>
            {{/passChart}}
            {{#statusChart}}
            <figure class="chart">
              <figcaption>Architectures by status</figcaption>
              <svg id="chart-status" viewBox="0 0 640 220" role="img" aria-label="{{summary}}">
                {{#grid}}<line class="grid" x1="44" x2="628" y1="{{y}}" y2="{{y}}"/><text class="axis" x="38" y="{{labelY}}" text-anchor="end">{{label}}</text>{{/grid}}
                {{#bars}}<g>{{#segments}}<rect class="s-{{status}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}"><title>{{title}}</title></rect>{{/segments}}</g>{{/bars}}
                {{#xLabels}}<text class="axis" x="{{x}}" y="{{y}}" text-anchor="middle">{{text}}</text>{{/xLabels}}
              </svg>
              <p class="legend"><span class="key s-PASSED"></span>passed <span class="key s-PARTIAL"></span>partial <span class="key s-FAILED"></span>failed <span class="key s-TIMEOUT"></span>timeout <span class="key s-ERROR"></span>error <span class="key s-NOT_EMULATOR"></span>not the emulator's fault</p>
            </figure>
            {{/statusChart}}
          </div>
        </section>

        <section aria-labelledby="matrix-title">
          <h2 id="matrix-title">Service compatibility</h2>
          {{#hasDeclining}}<p class="banner warn" id="declining">Declining (pass rate ≥ 10 points below the mean of the previous 4 runs): {{#decliningServices}}<strong>{{.}}</strong> {{/decliningServices}}</p>{{/hasDeclining}}
          <div class="scroll">
          <table class="matrix" id="matrix">
            <thead><tr><th scope="col">Service</th><th scope="col" class="num">Archs</th><th scope="col" class="num">Passed</th><th scope="col" class="num">Partial</th><th scope="col" class="num">Failed</th><th scope="col" class="num">Timeout</th><th scope="col" class="num">Error</th><th scope="col" class="num" title="Not the emulator's fault: left out of the pass rate">Not emulator</th><th scope="col" class="num">Pass rate</th><th scope="col">Trend</th></tr></thead>
            <tbody>
            {{#matrix}}
            <tr{{#declining}} class="declining"{{/declining}}>
              <th scope="row"><button type="button" class="link" data-service="{{service}}" title="Show its architectures in the table">{{service}}</button>{{#declining}} <span class="tag" title="baseline {{baseline}}">declining</span>{{/declining}}</th>
              <td class="num">{{total}}</td><td class="num">{{passed}}</td><td class="num">{{partial}}</td><td class="num">{{failed}}</td><td class="num">{{timeout}}</td><td class="num">{{error}}</td><td class="num">{{notEmulator}}</td>
              <td class="num">{{passRate}}</td>
              <td>{{#spark}}<svg class="spark" viewBox="0 0 100 24" role="img" aria-label="{{label}}"><polyline points="{{points}}"/><circle cx="{{lastX}}" cy="{{lastY}}" r="2.5"/></svg>{{/spark}}</td>
            </tr>
            {{/matrix}}
            {{^matrix}}<tr><td colspan="10">No services in this run.</td></tr>{{/matrix}}
            </tbody>
          </table>
          </div>
        </section>

        <section id="not-emulator" aria-labelledby="not-emulator-title">
          <h2 id="not-emulator-title">Not the emulator's fault <span class="muted">({{notEmulatorCount}})</span></h2>
          <p class="muted">Partial, failed or timed-out verdicts whose cause lies elsewhere: left out of the pass rates, the service matrix's rates and regressions.</p>
          {{#causeGroups}}
          <details id="cause-{{kind}}" class="cause-group">
            {{#listing}}
            <summary>{{title}}: {{count}}</summary>
            <ul class="causes">
              {{#items}}<li>{{#link}}<a href="#arch-{{arch}}">{{name}}</a> <span class="badge s-{{status}}">{{status}}</span>{{/link}}{{#step}} at {{step}}{{/step}}{{#api}} <code>{{api}}</code>{{/api}}{{#code}} <code>{{code}}</code>{{/code}}: {{message}}</li>{{/items}}
            </ul>
            {{#hasMore}}<p class="muted">and {{more}} more: <code>lsqm report --json</code> lists them all; the table's Cause filter shows them.</p>{{/hasMore}}
            {{/listing}}
          </details>
          {{/causeGroups}}
          {{^causeGroups}}<p id="not-emulator-none">None: every non-passing verdict is the emulator's.</p>{{/causeGroups}}
        </section>

        {{#notRun}}{{#any}}
        <section id="not-run" aria-labelledby="not-run-title">
          <h2 id="not-run-title">Not run <span class="muted">({{count}})</span></h2>
          <p class="muted">Selected but not validated against this emulator: not verdicts, counted nowhere.</p>
          <div class="scroll"><table id="not-run-table">
            <thead><tr><th scope="col">Architecture</th><th scope="col">Hash</th><th scope="col">Reason</th></tr></thead>
            <tbody>{{#items}}<tr><td>{{name}}</td><td><code title="{{arch}}">{{archShort}}</code></td><td>{{reason}}</td></tr>{{/items}}</tbody>
          </table></div>
          {{#hasMore}}<p class="muted">and {{more}} more: <code>lsqm report --json</code> lists them all.</p>{{/hasMore}}
        </section>
        {{/any}}{{/notRun}}

        <section aria-labelledby="changes-title">
          <h2 id="changes-title">Changes since the previous run</h2>
          {{#changes}}
          <details id="{{id}}">
            <summary>{{title}}: {{count}}</summary>
            <ul>
              {{#items}}<li><strong>{{name}}</strong> <code title="{{arch}}">{{archShort}}</code>: {{previous}} → {{current}} {{#services}}<span class="muted">({{services}})</span>{{/services}}</li>{{/items}}
            </ul>
            {{#hasMore}}<p class="muted">and {{more}} more: see the table.</p>{{/hasMore}}
          </details>
          {{/changes}}
        </section>

        <section aria-labelledby="flaky-title">
          <h2 id="flaky-title">Flaky architectures</h2>
          <p class="muted">Failed after passing, then passed when re-validated: not regressions. Counted over the last {{chartRuns}} runs.</p>
          {{#hasFlaky}}
          <div class="scroll"><table id="flaky">
            <thead><tr><th scope="col">Architecture</th><th scope="col">Hash</th><th scope="col" class="num">Times</th><th scope="col">Last run</th><th scope="col">Last verdicts</th></tr></thead>
            <tbody>{{#flaky}}<tr><td>{{name}}</td><td><code>{{archShort}}</code></td><td class="num">{{times}}</td><td>{{lastRun}}</td><td>{{reruns}}</td></tr>{{/flaky}}</tbody>
          </table></div>
          {{/hasFlaky}}
          {{^hasFlaky}}<p id="flaky-none">None.</p>{{/hasFlaky}}
        </section>

        <section aria-labelledby="flaky-tests-title">
          <h2 id="flaky-tests-title">Flaky tests</h2>
          <p class="muted">Checks (the deploy or one test) whose failure did not reproduce in a fresh emulator, or passed again without being confirmed. Rate: flakes per conclusive run. A check listed here needs every confirmation re-run to reproduce its failure. {{flakinessNote}}</p>
          {{#hasFlakyTests}}
          <div class="scroll"><table id="flaky-tests">
            <thead><tr><th scope="col">Architecture</th><th scope="col">Check</th><th scope="col" class="num">Rate</th><th scope="col" class="num">Flakes / runs</th><th scope="col" title="oldest first: P passed, F failed, ? no verdict">Outcomes</th><th scope="col">Signatures seen</th></tr></thead>
            <tbody>{{#flakyTests}}<tr><td>{{name}} <code title="{{arch}}">{{archShort}}</code></td><td>{{check}}</td><td class="num">{{rate}}</td><td class="num">{{flakes}} / {{conclusive}}</td><td><code>{{outcomes}}</code></td><td>{{#signatures}}<code>{{.}}</code><br>{{/signatures}}</td></tr>{{/flakyTests}}</tbody>
          </table></div>
          {{/hasFlakyTests}}
          {{^hasFlakyTests}}<p id="flaky-tests-none">None.</p>{{/hasFlakyTests}}
        </section>

        <section id="architectures" aria-labelledby="architectures-title">
          <h2 id="architectures-title">Architectures <span class="muted">({{totalRows}})</span></h2>
          <form class="filters" id="filters" role="search" aria-label="Filter architectures">
            <label>Search <input type="search" id="f-text" placeholder="name, service, source, hash, cause" autocomplete="off"></label>
            <label>Status <select id="f-status"><option value="">any</option></select></label>
            <label>Cause <select id="f-cause"><option value="">any</option><option value="-2">not the emulator's fault</option></select></label>
            <label>Service <select id="f-service"><option value="">any</option></select></label>
            <label>Kind <select id="f-kind"><option value="">any</option></select></label>
            <label>Source <select id="f-source"><option value="">any</option></select></label>
            <label>Change <select id="f-change"><option value="">any</option><option value="regressed">passed before, failing now</option><option value="fixed">failing before, passing now</option><option value="new">new in this run</option></select></label>
          </form>
          <p id="table-status" class="muted" aria-live="polite"></p>
          <div class="scroll">
          <table class="arch" id="arch-table">
            <thead><tr>
              <th scope="col" data-col="name" aria-sort="none"><button type="button" data-sort="name">Architecture</button></th>
              <th scope="col" data-col="status" aria-sort="descending"><button type="button" data-sort="status">Status</button></th>
              <th scope="col" data-col="cause" aria-sort="none"><button type="button" data-sort="cause">Cause</button></th>
              <th scope="col" data-col="previous" aria-sort="none"><button type="button" data-sort="previous">Previous</button></th>
              <th scope="col" data-col="services" aria-sort="none"><button type="button" data-sort="services">Services</button></th>
              <th scope="col" data-col="source" aria-sort="none"><button type="button" data-sort="source">Source</button></th>
              <th scope="col" data-col="kind" aria-sort="none"><button type="button" data-sort="kind">Kind</button></th>
              <th scope="col" data-col="duration" aria-sort="none" class="num"><button type="button" data-sort="duration">Duration</button></th>
            </tr></thead>
            <tbody id="arch-rows"><tr><td colspan="8">The table needs JavaScript.</td></tr></tbody>
          </table>
          </div>
          <nav class="pager" aria-label="Table pages">
            <button type="button" id="p-first">« First</button>
            <button type="button" id="p-prev">‹ Previous</button>
            <span id="p-info"></span>
            <button type="button" id="p-next">Next ›</button>
            <button type="button" id="p-last">Last »</button>
            <label>Rows per page <select id="p-size"><option>25</option><option selected>50</option><option>100</option><option>250</option></select></label>
          </nav>
        </section>
        </main>
        <footer><p class="muted">Generated {{generatedAt}} by lsqm {{version}}. Self-contained: nothing is fetched from the network.</p></footer>
        <script type="application/json" id="lsqm-data">{{{dataJSON}}}</script>
        <script type="application/json" id="lsqm-details">{{{detailsJSON}}}</script>
        <script>{{{script}}}</script>
        </body>
        </html>
        """#
}

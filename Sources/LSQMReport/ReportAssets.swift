// The dashboard's stylesheet and script, inlined into every report (no CDN, no font, no image fetched).
// System fonts only; colours are paired with text (status names) so nothing relies on colour alone.
enum ReportAssets {
    static let css = #"""
        :root{--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--panel:#f5f7fa;--line:#d8dee6;--accent:#1d5fbf;
        --passed:#1a7f37;--partial:#b7791f;--failed:#cf222e;--timeout:#8250df;--error:#6e7781;--notemu:#afb8c1;--focus:#ffbf47}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
        main,header.top,footer{max-width:1280px;margin:0 auto;padding:0 16px}
        h1{font-size:1.5rem;margin:16px 0 8px}h1 .run{font-weight:400;color:var(--muted);font-size:1rem;word-break:break-all}
        h2{font-size:1.15rem;margin:24px 0 8px}
        code{font:13px/1.3 ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
        .muted{color:var(--muted)}
        .untested{color:var(--muted);font-style:italic}
        .skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:2}
        :focus-visible{outline:3px solid var(--focus);outline-offset:2px}
        .meta{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0}.meta div{min-width:0}.meta dt{font-size:12px;color:var(--muted)}.meta dd{margin:0}
        .banner{border-radius:6px;padding:10px 14px;margin:16px 0}
        .banner h2{margin:0 0 4px;font-size:1.1rem}.banner ul{margin:6px 0 0;padding-left:20px}
        .danger{background:#ffebe9;border:2px solid var(--failed);color:#5c0c12}.danger h2{color:var(--failed)}
        .warn{background:#fff8c5;border:1px solid #d4a72c}.ok{background:#dafbe1;border:1px solid #4ac26b}
        .cards{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(130px,1fr));gap:8px}
        .card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px;display:flex;flex-direction:column}
        .card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
        .card .value{font-size:1.6rem;font-weight:600}
        .card-passed .value{color:var(--passed)}.card-failed .value{color:var(--failed)}.card-partial .value{color:var(--partial)}
        .card-timeout .value{color:var(--timeout)}.card-error .value{color:var(--error)}
        .delta{font-size:13px}.delta.good{color:var(--passed)}.delta.bad{color:var(--failed)}.delta.same{color:var(--muted)}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}
        .chart{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px}
        .chart figcaption{font-weight:600;margin-bottom:4px}.chart svg{width:100%;height:auto;display:block}
        .grid{stroke:var(--line);stroke-width:1}.axis{font-size:12px;fill:var(--muted)}
        .line{fill:none;stroke:var(--accent);stroke-width:2.5}.dot{fill:var(--accent)}
        rect.s-PASSED,.key.s-PASSED{fill:var(--passed);background:var(--passed)}rect.s-PARTIAL,.key.s-PARTIAL{fill:var(--partial);background:var(--partial)}
        rect.s-FAILED,.key.s-FAILED{fill:var(--failed);background:var(--failed)}rect.s-TIMEOUT,.key.s-TIMEOUT{fill:var(--timeout);background:var(--timeout)}
        rect.s-ERROR,.key.s-ERROR{fill:var(--error);background:var(--error)}rect.s-NOT_EMULATOR,.key.s-NOT_EMULATOR{fill:var(--notemu);background:var(--notemu)}
        .legend{font-size:12px;margin:4px 0 0}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 8px;border-radius:2px}
        .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
        table{border-collapse:collapse;width:100%;font-size:14px}
        th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        thead th{background:var(--panel);position:sticky;top:0;white-space:nowrap}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        .matrix tr.declining{background:#fff8c5}
        .tag{font-size:11px;background:var(--partial);color:#fff;border-radius:3px;padding:1px 4px}
        .spark{width:100px;height:24px;display:block}.spark polyline{fill:none;stroke:var(--accent);stroke-width:1.8}.spark circle{fill:var(--accent)}
        button{font:inherit}
        button.link,th button{background:none;border:0;padding:0;color:var(--accent);cursor:pointer;text-align:left}
        th button{color:inherit;font-weight:600}
        th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
        .filters{display:flex;flex-wrap:wrap;gap:8px 16px;margin-bottom:8px}
        .filters label,.pager label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
        input,select{font:inherit;padding:4px 6px;border:1px solid #8c959f;border-radius:4px;min-width:0;color:var(--fg);background:#fff}
        .badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
        .badge.s-PASSED{background:var(--passed)}.badge.s-PARTIAL{background:var(--partial)}.badge.s-FAILED{background:var(--failed)}
        .badge.s-TIMEOUT{background:var(--timeout)}.badge.s-ERROR{background:var(--error)}
        .expander{background:none;border:0;padding:0;cursor:pointer;color:var(--accent);text-align:left;font-weight:600}
        .expander::before{content:"▸ ";color:var(--muted)}.expander[aria-expanded=true]::before{content:"▾ "}
        tr.detail td{background:var(--panel)}
        .detail pre{white-space:pre-wrap;word-break:break-word;max-height:320px;overflow:auto;background:#fff;border:1px solid var(--line);padding:8px;font:12px/1.35 ui-monospace,"DejaVu Sans Mono",monospace}
        .detail h3{font-size:13px;margin:8px 0 4px}
        .pager{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin:10px 0 24px}
        .pager button{padding:4px 10px;border:1px solid #8c959f;background:#fff;border-radius:4px;cursor:pointer}
        .pager button:disabled{opacity:.45;cursor:default}
        details{margin:4px 0}summary{cursor:pointer;font-weight:600}
        .headline{margin:8px 0 0}
        .gaps{padding-left:28px;margin:0}.gaps>li{margin:2px 0}.gaps summary{font-weight:400}.gaps .api{font-size:14px;font-weight:600}
        .links{columns:2 320px;margin:4px 0}.causes{margin:4px 0}.causes li,.links li{margin:2px 0;break-inside:avoid}
        .cause{white-space:nowrap}.cause .c-kind{font-weight:600}.cause-msg{display:block;max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;color:var(--muted);font-size:12px}
        tr.target td{background:#fff8c5}
        footer{margin:24px auto}
        @media (max-width:700px){body{font-size:14px}h1{font-size:1.2rem}.cards{grid-template-columns:repeat(2,1fr)}
        .card .value{font-size:1.3rem}.charts{grid-template-columns:1fr}.filters label{flex:1 1 40%}table{font-size:13px}}
        """#

    /// Renders the architecture table from the JSON block: filter, sort, page, expand. Everything from the data
    /// goes into the page through `textContent` or attribute setters, never through HTML parsing.
    static let script = #"""
        (function () {
          'use strict';
          var data = JSON.parse(document.getElementById('lsqm-data').textContent);
          var rows = data.rows, S = data.statuses;
          var NAME = 0, STATUS = 1, PREV = 2, SVC = 3, SRC = 4, KIND = 5, DUR = 6, ARCH = 7, URL = 8, DETAIL = 9, CAUSE = 10, UNTESTED = 11;
          var C = data.causes, EMULATOR = data.classes.indexOf('emulator'), COLS = 8;
          var $ = function (id) { return document.getElementById(id); };
          var state = { text: '', status: -1, cause: -1, service: -1, kind: -1, source: -1, change: '', sort: 'status', dir: -1, page: 0, size: 50 };
          var PASSED = S.indexOf('PASSED'), ERROR = S.indexOf('ERROR');
          function judgedFailure(s) { return s >= 0 && s !== PASSED && s !== ERROR; }
          // As StatusCounts.notEmulator: a judged failure whose recorded cause is not the emulator.
          function notEmulator(r) { return judgedFailure(r[STATUS]) && r[CAUSE] >= 0 && C[r[CAUSE]][0] !== EMULATOR; }
          function causeMatches(r) {
            if (state.cause === -2) return notEmulator(r);
            return r[CAUSE] >= 0 && C[r[CAUSE]][0] === state.cause;
          }
          function causeText(r) { var c = C[r[CAUSE]]; return c ? data.classes[c[0]] + ' ' + c[1] + ' ' + c[2] : ''; }
          // The same rules as the comparison, by status only (the table has no app hashes): a quick way to the rows.
          var changes = {
            regressed: function (r) { return r[PREV] === PASSED && judgedFailure(r[STATUS]); },
            fixed: function (r) { return judgedFailure(r[PREV]) && r[STATUS] === PASSED; },
            'new': function (r) { return r[PREV] < 0; }
          };
          var open = {};
          var details = null;
          function detailOf(k) {
            if (k < 0) return null;
            if (!details) details = JSON.parse(document.getElementById('lsqm-details').textContent);
            return details[k];
          }
          var lowerNames = rows.map(function (r) { return r[NAME].toLowerCase(); });
          var haystack = null;

          function text(tag, value, cls) {
            var el = document.createElement(tag);
            if (value !== undefined && value !== null) el.textContent = String(value);
            if (cls) el.className = cls;
            return el;
          }
          function fillSelect(select, labels) {
            labels.forEach(function (label, i) { var o = text('option', label); o.value = String(i); select.appendChild(o); });
          }
          function serviceNames(r) { return r[SVC].map(function (k) { return data.services[k]; }); }
          function untestedNames(r) { return (r[UNTESTED] || []).map(function (k) { return data.services[k]; }); }
          var UNTESTED_WHY = 'not tested: lsqm could not translate any of their resources, so they were not deployed';
          function searchable(i) {
            if (!haystack) haystack = new Array(rows.length);
            if (haystack[i] === undefined) {
              var r = rows[i];
              haystack[i] = (r[NAME] + ' ' + serviceNames(r).join(' ') + ' ' + data.sources[r[SRC]] + ' ' + r[ARCH] + ' ' + r[URL] + ' ' + causeText(r)).toLowerCase();
            }
            return haystack[i];
          }
          function duration(ms) {
            if (ms < 1000) return ms + ' ms';
            var s = ms / 1000;
            return s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' m ' + Math.round(s % 60) + ' s';
          }
          var keys = {
            name: function (i) { return lowerNames[i]; },
            status: function (i) { return rows[i][STATUS]; },
            cause: function (i) { return causeText(rows[i]); },
            previous: function (i) { return rows[i][PREV]; },
            services: function (i) { return serviceNames(rows[i]).join(','); },
            source: function (i) { return data.sources[rows[i][SRC]]; },
            kind: function (i) { return data.kinds[rows[i][KIND]]; },
            duration: function (i) { return rows[i][DUR]; }
          };

          var view = [];
          function rebuild() {
            var q = state.text.toLowerCase().trim();
            view = [];
            for (var i = 0; i < rows.length; i++) {
              var r = rows[i];
              if (state.status >= 0 && r[STATUS] !== state.status) continue;
              if (state.cause !== -1 && !causeMatches(r)) continue;
              if (state.kind >= 0 && r[KIND] !== state.kind) continue;
              if (state.source >= 0 && r[SRC] !== state.source) continue;
              // An untested service finds its rows too: the row then says it was not tested.
              if (state.service >= 0 && r[SVC].indexOf(state.service) < 0 && (r[UNTESTED] || []).indexOf(state.service) < 0) continue;
              if (state.change && !changes[state.change](r)) continue;
              if (q && searchable(i).indexOf(q) < 0) continue;
              view.push(i);
            }
            var key = keys[state.sort], dir = state.dir;
            var cache = view.map(function (i) { return key(i); });
            var order = view.map(function (_, p) { return p; });
            order.sort(function (a, b) {
              var x = cache[a], y = cache[b];
              if (x < y) return -dir;
              if (x > y) return dir;
              return lowerNames[view[a]] < lowerNames[view[b]] ? -1 : (lowerNames[view[a]] > lowerNames[view[b]] ? 1 : 0);
            });
            view = order.map(function (p) { return view[p]; });
            var pages = Math.max(1, Math.ceil(view.length / state.size));
            if (state.page >= pages) state.page = pages - 1;
            render();
          }

          function badge(status) { return status < 0 ? text('span', '—', 'muted') : text('span', S[status], 'badge s-' + S[status]); }

          // Class, service:Operation and code on one line, the message under it (in full on hover and in the details).
          function causeCell(r) {
            var td = document.createElement('td'), c = C[r[CAUSE]];
            if (!c) {
              if (r[STATUS] !== PASSED) td.appendChild(text('span', 'not recorded', 'muted'));
              return td;
            }
            var line = text('span', null, 'cause');
            line.appendChild(text('span', data.classes[c[0]], 'c-kind'));
            if (c[1]) { line.appendChild(text('span', ' ')); line.appendChild(text('code', c[1])); }
            if (c[2]) line.appendChild(text('span', ' ' + c[2]));
            td.appendChild(line);
            var message = text('span', c[3], 'cause-msg');
            message.title = c[3];
            td.appendChild(message);
            return td;
          }

          function detailRow(i) {
            var r = rows[i], tr = document.createElement('tr'), td = document.createElement('td');
            tr.className = 'detail'; tr.id = 'detail-' + i;
            td.colSpan = COLS; td.className = 'detail';
            var meta = text('p');
            meta.appendChild(text('span', 'Hash ')); meta.appendChild(text('code', r[ARCH]));
            if (r[URL]) {
              meta.appendChild(text('span', ' · Source '));
              var a = text('a', r[URL]); a.href = r[URL]; a.rel = 'noopener noreferrer'; meta.appendChild(a);
            }
            if (data.logBase && /^[0-9a-f]+$/.test(r[ARCH])) {
              meta.appendChild(text('span', ' · '));
              var log = text('a', 'full log'); log.href = data.logBase + r[ARCH] + '.log'; meta.appendChild(log);
            }
            td.appendChild(meta);
            var d = detailOf(r[DETAIL]);
            var untested = untestedNames(r);
            if (untested.length) td.appendChild(text('p', 'Services ' + UNTESTED_WHY + ': ' + untested.join(', ') + '. The verdict covers the rest.', 'untested'));
            if (!d) {
              td.appendChild(text('p', 'Passed: every test passed.'));
            } else {
              var c = C[r[CAUSE]];
              if (c) {
                td.appendChild(text('p', 'Cause: ' + [data.classes[c[0]], c[1], c[2]].filter(Boolean).join(' · ') +
                  (c[4] ? ' at ' + c[4] : '') + ' — ' + c[3], 'cause-line'));
              }
              if (d.st || d.e) td.appendChild(text('p', (d.st ? 'Failed at ' + d.st + '. ' : '') + (d.e || '')));
              if (d.t && d.t.length) {
                td.appendChild(text('h3', 'Tests that did not pass'));
                var ul = text('ul');
                d.t.forEach(function (t) { ul.appendChild(text('li', t[0] + ' — ' + t[1] + (t[3] ? ' [' + t[3] + ']' : '') + (t[2] ? ': ' + t[2] : ''))); });
                td.appendChild(ul);
              }
              [['tf', 'Terraform output (tail)'], ['py', 'pytest output (tail)'], ['em', 'Emulator log (tail)']].forEach(function (p) {
                if (d[p[0]]) { td.appendChild(text('h3', p[1])); td.appendChild(text('pre', d[p[0]])); }
              });
              if (d.w && d.w.length) { td.appendChild(text('h3', 'Warnings')); td.appendChild(text('pre', d.w.join('\n'))); }
            }
            tr.appendChild(td);
            return tr;
          }

          function toggle(button, i) {
            var tr = button.closest('tr'), next = tr.nextSibling;
            if (open[i]) {
              delete open[i];
              if (next && next.id === 'detail-' + i) next.parentNode.removeChild(next);
              button.setAttribute('aria-expanded', 'false');
            } else {
              open[i] = true;
              tr.parentNode.insertBefore(detailRow(i), next);
              button.setAttribute('aria-expanded', 'true');
            }
          }

          function render() {
            var body = $('arch-rows'), frag = document.createDocumentFragment();
            var start = state.page * state.size, end = Math.min(view.length, start + state.size);
            for (var p = start; p < end; p++) {
              var i = view[p], r = rows[i], tr = document.createElement('tr');
              tr.setAttribute('data-row', String(i));
              var first = document.createElement('td'), b = text('button', r[NAME], 'expander');
              b.type = 'button'; b.setAttribute('aria-expanded', open[i] ? 'true' : 'false'); b.setAttribute('aria-controls', 'detail-' + i);
              b.setAttribute('data-index', String(i));
              first.appendChild(b); tr.appendChild(first);
              var st = document.createElement('td'); st.appendChild(badge(r[STATUS])); tr.appendChild(st);
              tr.appendChild(causeCell(r));
              var pv = document.createElement('td'); pv.appendChild(badge(r[PREV])); tr.appendChild(pv);
              var sv = text('td', serviceNames(r).join(', ')), un = untestedNames(r);
              if (un.length) { var note = text('span', (sv.textContent ? ' · ' : '') + 'not tested: ' + un.join(', '), 'untested'); note.title = UNTESTED_WHY; sv.appendChild(note); }
              tr.appendChild(sv);
              tr.appendChild(text('td', data.sources[r[SRC]]));
              tr.appendChild(text('td', data.kinds[r[KIND]]));
              tr.appendChild(text('td', duration(r[DUR]), 'num'));
              frag.appendChild(tr);
              if (open[i]) frag.appendChild(detailRow(i));
            }
            if (end === start) { var none = document.createElement('tr'); none.appendChild(text('td', 'No architecture matches.')); none.firstChild.colSpan = COLS; frag.appendChild(none); }
            body.textContent = '';
            body.appendChild(frag);
            var pages = Math.max(1, Math.ceil(view.length / state.size));
            $('p-info').textContent = 'Page ' + (state.page + 1) + ' of ' + pages;
            $('table-status').textContent = view.length === 0 ? 'No architectures match.' :
              'Showing ' + (start + 1) + '–' + end + ' of ' + view.length + (view.length < rows.length ? ' matching (' + rows.length + ' in all)' : '');
            $('p-first').disabled = $('p-prev').disabled = state.page === 0;
            $('p-next').disabled = $('p-last').disabled = state.page >= pages - 1;
            Array.prototype.forEach.call(document.querySelectorAll('#arch-table th[data-col]'), function (th) {
              th.setAttribute('aria-sort', th.getAttribute('data-col') === state.sort ? (state.dir > 0 ? 'ascending' : 'descending') : 'none');
            });
          }

          fillSelect($('f-status'), S);
          fillSelect($('f-cause'), data.classes);
          fillSelect($('f-service'), data.services);
          fillSelect($('f-kind'), data.kinds);
          fillSelect($('f-source'), data.sources);
          $('filters').addEventListener('submit', function (e) { e.preventDefault(); });
          $('f-text').addEventListener('input', function (e) { state.text = e.target.value; state.page = 0; rebuild(); });
          $('f-change').addEventListener('change', function (e) { state.change = e.target.value; state.page = 0; rebuild(); });
          var selects = [['f-status', 'status'], ['f-cause', 'cause'], ['f-service', 'service'], ['f-kind', 'kind'], ['f-source', 'source']];
          selects.forEach(function (f) {
            $(f[0]).addEventListener('change', function (e) { state[f[1]] = e.target.value === '' ? -1 : Number(e.target.value); state.page = 0; rebuild(); });
          });
          $('arch-table').querySelector('thead').addEventListener('click', function (e) {
            var b = e.target.closest('button[data-sort]');
            if (!b) return;
            var key = b.getAttribute('data-sort');
            if (state.sort === key) state.dir = -state.dir; else { state.sort = key; state.dir = 1; }
            state.page = 0; rebuild();
          });
          $('arch-rows').addEventListener('click', function (e) {
            var b = e.target.closest('button.expander');
            if (b) toggle(b, Number(b.getAttribute('data-index')));
          });
          function go(page) { state.page = page; render(); }
          $('p-first').addEventListener('click', function () { go(0); });
          $('p-prev').addEventListener('click', function () { go(Math.max(0, state.page - 1)); });
          $('p-next').addEventListener('click', function () { go(state.page + 1); });
          $('p-last').addEventListener('click', function () { go(Math.max(0, Math.ceil(view.length / state.size) - 1)); });
          $('p-size').addEventListener('change', function (e) { state.size = Number(e.target.value) || 50; state.page = 0; rebuild(); });
          Array.prototype.forEach.call(document.querySelectorAll('button[data-service]'), function (b) {
            b.addEventListener('click', function () {
              var k = data.services.indexOf(b.getAttribute('data-service'));
              $('f-service').value = k < 0 ? '' : String(k);
              state.service = k; state.page = 0; rebuild();
              $('architectures').scrollIntoView();
              $('f-service').focus();
            });
          });
          // `#arch-<hash>` links (API gaps, causes) open that architecture: only its row, expanded and scrolled to.
          function reveal() {
            var m = /^#arch-([0-9a-f]+)$/.exec(location.hash), i = -1;
            if (!m) return;
            for (var k = 0; k < rows.length; k++) if (rows[k][ARCH] === m[1]) { i = k; break; }
            if (i < 0) return;
            selects.forEach(function (f) { $(f[0]).value = ''; state[f[1]] = -1; });
            $('f-change').value = ''; state.change = '';
            $('f-text').value = m[1]; state.text = m[1]; state.page = 0;
            open[i] = true;
            rebuild();
            var tr = document.querySelector('#arch-rows tr[data-row="' + i + '"]');
            if (tr) { tr.className = 'target'; tr.scrollIntoView(); tr.querySelector('button.expander').focus(); }
          }
          window.addEventListener('hashchange', reveal);
          // A second click on the same link changes no hash: open the row again anyway.
          document.addEventListener('click', function (e) {
            var a = e.target.closest ? e.target.closest('a[href^="#arch-"]') : null;
            if (a && a.getAttribute('href') === location.hash) reveal();
          });
          rebuild();
          reveal();
          document.documentElement.setAttribute('data-render-ms', String(Math.round(performance.now())));
          document.documentElement.setAttribute('data-ready', 'true');
        })();
        """#
}

import Foundation
import LSQMBasics
import LSQMCore
import LSQMReport
import XCTest

/// Opens the report in a real headless Chromium from a file URL and checks what a reader sees and does.
final class ReportBrowserTests: XCTestCase {
    /// Screenshots go to `.build/report-screenshots/` in the package, to be looked at.
    static var screenshotDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/report-screenshots", isDirectory: true)
    }

    func testReportInChromium() async throws {
        guard let executable = HeadlessChromium.executable() else {
            throw XCTSkip("chromium is not installed (apt-get install chromium)")
        }
        let (_, report) = try await ReportFixture.reported(in: self)
        let browser = try HeadlessChromium(executable: executable)
        try browser.openTab()
        try browser.setViewport(width: 1280, height: 900)
        try browser.load(report.path)
        XCTAssertEqual(
            try browser.evaluate("document.documentElement.dataset.ready") as? String, "true",
            "the page script ran (a wrong CSP hash would have blocked it)")

        // The red banner names the confirmed regression.
        let banner = try browser.evaluate("(() => { const b = document.getElementById('regressions'); return b ? b.innerText : null })()") as? String
        XCTAssertTrue(banner?.contains("regressed") ?? false, banner ?? "no banner")
        XCTAssertEqual(try browser.evaluate("getComputedStyle(document.getElementById('regressions')).borderTopColor") as? String, "rgb(207, 34, 46)")

        // Every architecture is a row (33 fit on the first page of 50).
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('#arch-rows tr[data-row]').length") as? Int, 33)

        // Charts and sparklines are drawn.
        XCTAssertGreaterThan(try browser.evaluate("document.querySelectorAll('#chart-pass-rate circle.dot').length") as? Int ?? 0, 5)
        XCTAssertGreaterThan(try browser.evaluate("document.querySelectorAll('#chart-status rect').length") as? Int ?? 0, 5)
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('#matrix svg.spark polyline').length") as? Int, 3)
        XCTAssertGreaterThan(try browser.evaluate("document.getElementById('chart-pass-rate').getBoundingClientRect().height") as? Double ?? 0, 50)

        // Sorting by name: by click, then again by keyboard (Enter on the focused header button) reverses it.
        let names = "Array.from(document.querySelectorAll('#arch-rows tr[data-row] button.expander')).map(b => b.textContent)"
        _ = try browser.evaluate("document.querySelector('button[data-sort=name]').click()")
        let ascending = try XCTUnwrap(try browser.evaluate(names) as? [String])
        XCTAssertEqual(ascending, ascending.sorted { $0.lowercased() < $1.lowercased() })
        XCTAssertEqual(try browser.evaluate("document.querySelector('th[data-col=name]').getAttribute('aria-sort')") as? String, "ascending")
        _ = try browser.evaluate("document.querySelector('button[data-sort=name]').focus()")
        try browser.press(key: "Enter", code: "Enter", keyCode: 13, text: "\r")
        XCTAssertEqual(try browser.evaluate(names) as? [String], ascending.reversed())

        // The change filter finds what went from PASSED to a judged failure.
        let pick = "(id, v) => { const s = document.getElementById(id); s.value = v; s.dispatchEvent(new Event('change')); }"
        _ = try browser.evaluate("(\(pick))('f-change', 'regressed')")
        XCTAssertEqual(Set(try XCTUnwrap(try browser.evaluate(names) as? [String])), ["regressed", "flaky"])
        _ = try browser.evaluate("(\(pick))('f-change', '')")
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('#arch-rows tr[data-row]').length") as? Int, 33)

        // Filtering by status.
        _ = try browser.evaluate(
            """
            (() => { const s = document.getElementById('f-status'); s.value = String(\(ValidationStatus.allCases.firstIndex(of: .failed)!));
                     s.dispatchEvent(new Event('change')); })()
            """)
        let statuses = try XCTUnwrap(
            try browser.evaluate("Array.from(document.querySelectorAll('#arch-rows tr[data-row] td:nth-child(2)')).map(td => td.textContent)")
                as? [String])
        XCTAssertEqual(Set(statuses), ["FAILED"])
        XCTAssertEqual(statuses.count, 6 + 1 + 1, "6 steady failures, the regression and the hostile one")

        // A pass on a partial translation names the service it did not test, in the row and in its detail.
        _ = try browser.evaluate("(\(pick))('f-status', '')")
        _ = try browser.evaluate(
            "(() => { const s = document.getElementById('f-service'); s.value = String(Array.from(s.options).find(o => o.textContent === 'appsync').value); s.dispatchEvent(new Event('change')); })()"
        )
        XCTAssertEqual(try browser.evaluate(names) as? [String], ["steady-2"])
        XCTAssertEqual(
            try browser.evaluate("document.querySelector('#arch-rows tr[data-row] td:nth-child(5)').textContent") as? String,
            "s3 · not tested: appsync")
        _ = try browser.evaluate("document.querySelector('#arch-rows button.expander').click()")
        let untested = try browser.evaluate("document.querySelector('#arch-rows tr.detail p.untested').textContent") as? String
        XCTAssertTrue(untested?.contains("could not translate any of their resources") ?? false, untested ?? "no note")
        XCTAssertTrue(untested?.hasSuffix(": appsync. The verdict covers the rest.") ?? false, untested ?? "no note")
        _ = try browser.evaluate("document.querySelector('#arch-rows button.expander').click()")
        _ = try browser.evaluate("(\(pick))('f-service', '')")
        _ = try browser.evaluate(
            """
            (() => { const s = document.getElementById('f-status'); s.value = String(\(ValidationStatus.allCases.firstIndex(of: .failed)!));
                     s.dispatchEvent(new Event('change')); })()
            """)

        // Expanding the hostile row shows its log as text; nothing in it ran.
        _ = try browser.evaluate("Array.from(document.querySelectorAll('button.expander')).find(b => b.textContent.startsWith('<img')).click()")
        let log = try browser.evaluate("Array.from(document.querySelectorAll('tr.detail pre')).map(p => p.textContent).join('\\n')") as? String
        XCTAssertTrue(log?.contains("</script><script>alert(1)</script>") ?? false, log ?? "no detail")
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('tr.detail a[href^=javascript]').length") as? Int, 0)
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('img').length") as? Int, 0)

        try Files.createDirectory(Self.screenshotDirectory)
        try browser.screenshot().write(to: Self.screenshotDirectory.appendingPathComponent("report-wide.png"))

        // A narrow window: the page itself never scrolls sideways (wide tables scroll in their own box).
        try browser.setViewport(width: 390, height: 844)
        let overflow = try browser.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") as? Int
        XCTAssertEqual(overflow, 0)
        try browser.screenshot().write(to: Self.screenshotDirectory.appendingPathComponent("report-narrow.png"))

        // The API gap list links to each blocked architecture: the link opens just that row, expanded, with its cause.
        let gaps = try XCTUnwrap(
            try browser.evaluate("Array.from(document.querySelectorAll('#gap-list > li > details > summary')).map(s => s.textContent)") as? [String])
        XCTAssertEqual(gaps, ["s3:PutBucketPolicy (MalformedPolicy) — 1 architecture", "s3:PutObject (InternalError) — 1 architecture"])
        _ = try browser.evaluate(
            """
            new Promise(done => {
              window.addEventListener('hashchange', () => setTimeout(done, 0), { once: true });
              const details = document.querySelector('#gap-1 details'); details.open = true;
              details.querySelector('a').click();
            })
            """)
        XCTAssertEqual(try browser.evaluate(names) as? [String], ["steady-24"])
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('#arch-rows tr.target').length") as? Int, 1)
        let cause = try browser.evaluate("document.querySelector('#arch-rows tr.detail .cause-line').textContent") as? String
        XCTAssertEqual(cause, "Cause: emulator · s3:PutBucketPolicy · MalformedPolicy at apply — policy rejected")
        XCTAssertEqual(try browser.evaluate("document.activeElement.textContent") as? String, "steady-24", "focus moves to the row")

        // The cause filter: "not the emulator's fault" leaves the verdict the test caused.
        _ = try browser.evaluate("(\(pick))('f-text', ''); document.getElementById('f-text').dispatchEvent(new Event('input'))")
        _ = try browser.evaluate("(\(pick))('f-cause', '-2')")
        XCTAssertEqual(try browser.evaluate(names) as? [String], ["steady-25"])
        XCTAssertEqual(
            try browser.evaluate("document.querySelector('#arch-rows tr[data-row] td:nth-child(3) .c-kind').textContent") as? String, "test")

        XCTAssertEqual(browser.problems, [], "no console errors, exceptions, CSP violations or dialogs")
        XCTAssertEqual(browser.requestedURLs.filter { $0 != report.path.absoluteString }, [], "nothing but the file itself is requested")
        XCTAssertEqual(browser.requestedURLs, [report.path.absoluteString], "requests are being watched")

        // The watchers see what they are meant to: a console error and a blocked fetch both show up.
        let mark = browser.events.count
        _ = try browser.evaluate("console.error('probe'); fetch('http://127.0.0.1:9/x').catch(() => 0); 1")
        try browser.waitForEvent("Log.entryAdded", after: mark, timeout: 10)
        XCTAssertTrue(browser.problems.contains { $0.contains("probe") }, "\(browser.problems)")
        XCTAssertTrue(browser.problems.contains { $0.contains("Content Security Policy") || $0.contains("connect-src") }, "\(browser.problems)")
    }
}

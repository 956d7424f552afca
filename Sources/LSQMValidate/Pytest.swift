import Foundation
import LSQMBasics
import LSQMCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Virtual environments for test apps, one per distinct `requirements.txt`, created once and shared.
///
/// A venv lives in `<cache>/venvs/<sha256 of requirements + python version>`. `--system-site-packages` lets
/// it reuse boto3 and pytest installed on the host, so an offline machine needs no index for the usual
/// requirements. It is built in a temporary folder and renamed into place, so a crashed or parallel lsqm never
/// sees a half-made venv; within one process, callers of the same key wait for the one creation.
public actor VenvCache {
    public let directory: URL
    private var inFlight: [String: Task<URL, any Error>] = [:]
    /// Installed into every venv: the per-test timeout.
    static let extraPackages = ["pytest-timeout"]

    public init(directory: URL) { self.directory = directory }

    /// The python of the venv for `requirements`, creating the venv the first time.
    public func python(for requirements: String, environment: [String: String], timeout: Duration) async throws -> URL {
        let key = SHA256.hex(Data((requirements + "\n#" + VenvCache.extraPackages.joined(separator: ",")).utf8)).prefix(16)
        let venv = directory.appendingPathComponent(String(key), isDirectory: true)
        let python = venv.appendingPathComponent("bin/python")
        if Files.exists(venv.appendingPathComponent(".lsqm-ready")) { return python }
        if let task = inFlight[String(key)] {
            _ = try await task.value
            return python
        }
        let task = Task { try await VenvCache.create(venv, requirements: requirements, environment: environment, timeout: timeout) }
        inFlight[String(key)] = task
        defer { inFlight[String(key)] = nil }
        _ = try await task.value
        return python
    }

    private static func create(_ venv: URL, requirements: String, environment: [String: String], timeout: Duration) async throws -> URL {
        let staging = venv.deletingLastPathComponent().appendingPathComponent(
            ".\(venv.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try Files.createDirectory(staging.deletingLastPathComponent())
        defer { Files.remove(staging) }
        let action = "create the test venv for requirements \(venv.lastPathComponent)"
        let made = try await Subprocess.run(
            ["python3", "-m", "venv", "--system-site-packages", staging.path], environment: environment, timeout: timeout)
        guard made.succeeded else {
            throw LSQMError(.environment, action: action, cause: "python3 -m venv failed: \(made.combinedOutput.suffix(2000))")
        }
        let requirementsFile = staging.appendingPathComponent("requirements.txt")
        try AtomicFile.write(requirements, to: requirementsFile)
        let pip = try await Subprocess.run(
            [
                staging.appendingPathComponent("bin/python").path, "-m", "pip", "install", "-q",
                "--disable-pip-version-check", "-r", requirementsFile.path,
            ] + extraPackages,
            environment: environment, timeout: timeout)
        guard pip.succeeded else {
            throw LSQMError(
                .environment, action: action, cause: "pip install failed: \(pip.combinedOutput.suffix(2000))",
                hint: "without internet, install the app's requirements on the host (the venv reuses site-packages)")
        }
        try AtomicFile.write("", to: staging.appendingPathComponent(".lsqm-ready"))
        if rename(staging.path, venv.path) != 0 && !Files.exists(venv.appendingPathComponent(".lsqm-ready")) {
            throw LSQMError(.environment, action: action, cause: "rename into \(venv.path): \(String(cString: strerror(errno)))")
        }
        return venv
    }
}

/// Runs a test app under pytest and reads its JUnit report.
struct PytestRun {
    struct Outcome {
        var tests: [TestCaseResult]
        var output: String
        var exitCode: Int32
        var timedOut: Bool
        /// The AWS calls of each test, by test id (`PytestProbe`); empty without a probe.
        var calls: [String: [ProbedCall]] = [:]
    }

    /// Seconds a single test may run (pytest-timeout).
    static let perTestTimeoutSeconds = 60

    /// - Parameter probeDirectory: where to put the `PytestProbe` plugin (outside the app, so the app's files
    ///   stay what was generated); nil runs pytest without it.
    static func run(
        python: URL, appDirectory: URL, environment: [String: String], reportPath: URL, timeout: Duration,
        probeDirectory: URL? = nil
    ) async throws -> Outcome {
        var environment = environment
        var plugins: [String] = []
        let probeOutput = probeDirectory?.appendingPathComponent("calls.json")
        if let probeDirectory, let probeOutput {
            try PytestProbe.install(in: probeDirectory)
            environment["PYTHONPATH"] = ([probeDirectory.path] + (environment["PYTHONPATH"].map { [$0] } ?? [])).joined(separator: ":")
            environment["LSQM_PROBE_OUT"] = probeOutput.path
            plugins = ["-p", PytestProbe.moduleName]
        }
        let result = try await Subprocess.run(
            [python.path, "-m", "pytest", "-q", "-p", "no:cacheprovider"] + plugins + [
                "--timeout=\(perTestTimeoutSeconds)",
                "--junitxml=\(reportPath.path)", "-o", "junit_family=xunit2",
            ],
            environment: environment, workingDirectory: appDirectory, timeout: timeout)
        let tests = Files.exists(reportPath) ? try JUnitReport.parse(Files.read(reportPath)) : []
        return Outcome(
            tests: tests, output: result.combinedOutput, exitCode: result.exitCode, timedOut: result.timedOut,
            calls: probeOutput.map(PytestProbe.read) ?? [:])
    }
}

/// Reads a JUnit XML report (pytest's xunit2) into per-test results.
enum JUnitReport {
    static func parse(_ data: Data) throws -> [TestCaseResult] {
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw LSQMError(
                .invalidInput, action: "read the pytest JUnit report", cause: parser.parserError.map { LSQMError.describe($0) } ?? "invalid XML")
        }
        return delegate.results
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var results: [TestCaseResult] = []
        private var current: TestCaseResult?
        private var messageText = ""
        private var inMessage = false

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            switch name {
            case "testcase":
                let base = [attributes["classname"], attributes["name"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "::")
                let seconds = Double(attributes["time"] ?? "") ?? 0
                current = TestCaseResult(name: base.isEmpty ? "unnamed" : base, outcome: .passed, durationMs: Int(seconds * 1000))
            case "failure", "error", "skipped":
                guard current != nil else { return }
                // A teardown error after a failure keeps the failure: the first verdict is the informative one.
                if current?.outcome == .passed {
                    current?.outcome = name == "failure" ? .failed : name == "error" ? .error : .skipped
                    current?.message = attributes["message"]
                }
                inMessage = true
                messageText = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if inMessage { messageText += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "testcase":
                if let current { results.append(current) }
                current = nil
            case "failure", "error", "skipped":
                inMessage = false
                if current?.message?.isEmpty ?? true, !messageText.isEmpty {
                    current?.message = String(messageText.suffix(2000))
                }
            default: break
            }
        }
    }
}

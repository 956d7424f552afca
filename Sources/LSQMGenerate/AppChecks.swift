import Foundation
import LSQMBasics

/// The checks an app passes before it is saved: no emulator-specific workarounds (lint), every `.py` file
/// compiles, and pytest collects at least one test. A failure is a `Problem` the repair round-trip quotes back
/// to the model; a missing python or pytest is an environment error (thrown), not the app's fault.
public struct AppChecks: Sendable {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Check: String, Sendable, Codable { case lint, compile, collect }
        public var check: Check
        public var detail: String
        public var description: String { "\(check.rawValue): \(detail)" }
    }

    /// What pytest collected: test ids (`test_app.py::test_x`).
    public struct Collected: Sendable, Equatable {
        public var tests: [String]
    }

    /// Packages an app may require: what the validator's venvs install reliably and what collection here can
    /// import. The prompt says so; the lint enforces it.
    public static let allowedRequirements: Set<String> = ["boto3", "botocore", "pytest", "pytest-timeout"]

    public var python: String
    public var timeout: Duration

    public init(python: String = "python3", timeout: Duration = .seconds(120)) {
        self.python = python; self.timeout = timeout
    }

    /// Runs every check in order (cheapest first) and returns what pytest collected.
    public func run(_ app: AppFiles) async throws -> Collected {
        if let problem = Self.lint(app) { throw problem }
        return try await Files.withTemporaryDirectory(prefix: ChildProcesses.ownedScratchPrefix("lsqm-check")) { directory in
            for file in app.files { try AtomicFile.write(file.content, to: directory.appendingPathComponent(file.path)) }
            try await compile(app, in: directory)
            return try await collect(in: directory)
        }
    }

    // MARK: Lint

    private static let rules: [(pattern: String, reason: String)] = [
        (#"(?i)localstack"#, "mentions LocalStack: the app must not know which emulator runs it"),
        (
            #"(?i)(localhost|127\.0\.0\.1|0\.0\.0\.0|host\.docker\.internal)(:\d+)?"#,
            "hard-codes a local host; the endpoint comes from AWS_ENDPOINT_URL"
        ),
        (#":4566\b"#, "hard-codes the emulator port 4566"),
        (#"\bendpoint_url\b"#, "passes endpoint_url in code; boto3 reads AWS_ENDPOINT_URL from the environment by itself"),
        (#"(?i)https?://[^\s"']*amazonaws\.com"#, "hard-codes an AWS endpoint URL"),
    ]

    /// The first emulator-specific workaround or disallowed requirement found, if any.
    public static func lint(_ app: AppFiles) -> Problem? {
        for (path, text) in app.pythonFiles {
            for rule in rules {
                guard let range = text.range(of: rule.pattern, options: .regularExpression) else { continue }
                let line = text[..<range.lowerBound].filter { $0 == "\n" }.count + 1
                return Problem(check: .lint, detail: "\(path) line \(line) \(rule.reason) ('\(text[range])')")
            }
        }
        for line in app.requirements.split(whereSeparator: \.isNewline) {
            let entry =
                line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if entry.isEmpty { continue }
            let name = entry.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }.lowercased().replacingOccurrences(
                of: "_", with: "-")
            if !allowedRequirements.contains(name) {
                return Problem(
                    check: .lint,
                    detail: "requirements.txt asks for '\(entry)'; only \(allowedRequirements.sorted().joined(separator: ", ")) are allowed")
            }
        }
        return nil
    }

    // MARK: Compile and collect

    /// An environment that can import the app but reach nothing: no secrets, a closed local port as the
    /// endpoint (collection must never call a real cloud), dummy credentials.
    static func childEnvironment() -> [String: String] {
        var env = SecretEnvironment.scrubbed()
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        env["AWS_DEFAULT_REGION"] = "us-east-1"
        env["AWS_REGION"] = "us-east-1"
        env["AWS_ACCESS_KEY_ID"] = "collect-only"
        env["AWS_SECRET_ACCESS_KEY"] = "collect-only"
        return env
    }

    func compile(_ app: AppFiles, in directory: URL) async throws {
        // compile() rather than py_compile: no __pycache__, and every file's first error is reported.
        let script = """
            import sys
            failed = False
            for path in sys.argv[1:]:
                try:
                    compile(open(path, encoding="utf-8").read(), path, "exec")
                except SyntaxError as error:
                    failed = True
                    print("%s line %s: %s: %s" % (path, error.lineno, type(error).__name__, error.msg))
            sys.exit(1 if failed else 0)
            """
        let result = try await Subprocess.run(
            [python, "-c", script] + app.pythonFiles.map(\.path), environment: Self.childEnvironment(),
            workingDirectory: directory, timeout: timeout)
        if result.succeeded { return }
        if result.stdout.isEmpty { throw environmentError("run \(python)", result) }
        throw Problem(check: .compile, detail: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func collect(in directory: URL) async throws -> Collected {
        let result = try await Subprocess.run(
            [python, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir", directory.path, directory.path],
            environment: Self.childEnvironment(), workingDirectory: directory, timeout: timeout)
        let output = result.combinedOutput
        for module in ["pytest", "boto3"] where output.contains("No module named \(module)") || output.contains("No module named '\(module)'") {
            throw LSQMError(
                .environment, action: "collect the generated tests", cause: "\(python) cannot import \(module)",
                hint: "install it: \(python) -m pip install \(module)")
        }
        if result.timedOut { throw Problem(check: .collect, detail: "pytest --collect-only did not finish in time") }
        let tests = result.stdout.split(separator: "\n").map(String.init).filter { $0.contains("::") && !$0.hasPrefix(" ") }
        // 0: collected; 5: nothing collected; 2: collection errors (imports, fixtures, syntax).
        switch result.exitCode {
        case 0 where !tests.isEmpty: return Collected(tests: tests)
        case 0, 5: throw Problem(check: .collect, detail: "pytest collected no tests (test functions must be named test_* in test_app.py)")
        case 1, 2: throw Problem(check: .collect, detail: Self.tail(output))
        default: throw environmentError("run pytest --collect-only", result)
        }
    }

    func environmentError(_ action: String, _ result: Subprocess.Result) -> LSQMError {
        LSQMError(
            .environment, action: action, cause: "exit \(result.exitCode): \(Self.tail(result.combinedOutput))",
            hint: "check that \(python) with pytest and boto3 is installed")
    }

    /// The last lines of a tool's output: where the error is.
    static func tail(_ text: String, lines: Int = 30) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

import Foundation
import LSQMBasics
import LSQMCore

/// The four files of a test app.
public struct AppFiles: Sendable, Equatable {
    public var conftest: String
    public var app: String
    public var testApp: String
    public var requirements: String

    public init(conftest: String, app: String, testApp: String, requirements: String) {
        self.conftest = conftest; self.app = app; self.testApp = testApp; self.requirements = requirements
    }

    /// File names in the order they are written; `metadata.json` is written next to them by the store.
    public static let names = ["app.py", "conftest.py", "requirements.txt", "test_app.py"]

    public var files: [(path: String, content: Data)] {
        [("app.py", app), ("conftest.py", conftest), ("requirements.txt", requirements), ("test_app.py", testApp)]
            .map { ($0.0, Data($0.1.utf8)) }
    }

    public var pythonFiles: [(path: String, text: String)] {
        [("app.py", app), ("conftest.py", conftest), ("test_app.py", testApp)]
    }

    /// The keys of the structured answer the model gives (the `write_test_app` tool's input).
    enum Key: String, CaseIterable {
        case conftest = "conftest_py", app = "app_py", testApp = "test_app_py", requirements = "requirements_txt"
    }

    /// Parses the model's structured answer strictly: an object with exactly the four keys, each a non-empty
    /// string. Anything else is an error the repair round-trip can quote back.
    public static func parse(_ value: JSONValue) throws -> AppFiles {
        guard let object = value.objectValue else {
            throw LSQMError(.invalidInput, action: "read the generated app", cause: "the answer is not a JSON object")
        }
        let expected = Set(Key.allCases.map(\.rawValue))
        let unknown = Set(object.keys).subtracting(expected)
        let missing = expected.subtracting(object.keys)
        guard unknown.isEmpty, missing.isEmpty else {
            var problems: [String] = []
            if !missing.isEmpty { problems.append("missing \(missing.sorted().joined(separator: ", "))") }
            if !unknown.isEmpty { problems.append("unexpected \(unknown.sorted().joined(separator: ", "))") }
            throw LSQMError(.invalidInput, action: "read the generated app", cause: problems.joined(separator: "; "))
        }
        func text(_ key: Key) throws -> String {
            guard let string = object[key.rawValue]?.stringValue, !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw LSQMError(.invalidInput, action: "read the generated app", cause: "\(key.rawValue) is not a non-empty string")
            }
            return string.hasSuffix("\n") ? string : string + "\n"
        }
        return AppFiles(conftest: try text(.conftest), app: try text(.app), testApp: try text(.testApp), requirements: try text(.requirements))
    }

    /// The app's id (`ContentHash.app`).
    public func hash(generatorVersion: String) -> String {
        ContentHash.app(files: files, generatorVersion: generatorVersion)
    }
}

import Foundation
import LSQMBasics
import Synchronization

/// Everything lsqm prints on stdout goes through here, redacted: a notifier's error or a stage's detail may
/// quote a secret (a webhook URL, a credential in a repository URL), and stdout is read by CI logs and
/// `--json` consumers just as stderr is.
enum StandardOutput {
    private static let current = Mutex(SecretRedactor.fromEnvironment())

    /// The redactor for stdout and the final error line; the application adds the config file's secrets.
    static var redactor: SecretRedactor {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(redactor.redact(text).utf8))
    }

    static func write(_ data: Data) {
        write(String(decoding: data, as: UTF8.self))
    }
}

/// Shadows `Swift.print` inside the CLI module, so no command can print around the redaction.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    StandardOutput.write(items.map { "\($0)" }.joined(separator: separator) + terminator)
}

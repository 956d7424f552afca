import Foundation
import LSQMBasics

/// lsqm's exit codes.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// Confirmed regressions (compare, run), a plugin that does not conform (plugins check).
    public static let regressions: Int32 = 1
    /// The tool itself failed, or the command is not implemented yet.
    public static let toolFailure: Int32 = 2
}

/// What a command prints and how it ends, decided here so the CLI only prints it: the text for a person, the
/// `--json` document, a failure to report after printing, and the exit status the outcome calls for.
public protocol CommandOutput {
    /// Exactly what the command prints for a person, newlines included; "" prints nothing.
    var text: String { get }
    /// Exactly what it prints with `--json`.
    func json() throws -> String
    /// Thrown after the output is printed (the output still says what happened): every source failed, a failed
    /// normalization.
    var failure: LSQMError? { get }
    /// 0, or `ExitStatus.regressions` when the outcome calls for it; tool failures are thrown instead.
    var exitStatus: Int32 { get }
}

extension CommandOutput {
    public var failure: LSQMError? { nil }
    public var exitStatus: Int32 { ExitStatus.success }
}

extension CommandOutput where Self: Encodable {
    /// The value itself as sorted, pretty JSON.
    public func json() throws -> String { String(decoding: try JSONCoding.encode(self), as: UTF8.self) }
}

/// Lines of text as a command prints them, each ending with a newline.
func printed(_ lines: [String]) -> String {
    lines.map { $0 + "\n" }.joined()
}

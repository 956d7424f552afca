import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How every lsqm command stops on SIGINT (Ctrl-C) or SIGTERM (CI cancelling a job).
///
/// The first signal cancels the command's task: stages see the cancellation, running validations tear down,
/// plugin calls are abandoned and their workers killed, nothing new starts, and the command returns. If it has
/// not returned within `grace`, or a second signal arrives, every child process group is killed and lsqm exits
/// at once. Either way the exit status is 128 + the signal (130, 143) and the repository lock, a flock, goes
/// with the process.
public final class Interruption: Sendable {
    /// The signal received first, if any.
    public var received: Int32? { state.withLock { $0.signal } }

    private struct State {
        var signal: Int32?
        var sources: [any DispatchSourceSignal] = []
    }

    private let state = Locked(State())

    /// The exit status for a run stopped by `signal`.
    public static func exitStatus(_ signal: Int32) -> Int32 { 128 + signal }

    public static func name(_ signal: Int32) -> String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }

    /// Installs the handlers; `onSignal` runs once, on the first signal.
    public init(grace: Duration = .seconds(20), onSignal: @escaping @Sendable (Int32) -> Void) {
        let sources = [SIGINT, SIGTERM].map { signalNumber in
            // Dispatch sees the signal only while its default action (exit) is off; children get the default
            // back (swift-subprocess spawns with POSIX_SPAWN_SETSIGDEF for every signal).
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in self.handle(signalNumber, grace: grace, onSignal: onSignal) }
            source.resume()
            return source
        }
        state.withLock { $0.sources = sources }
    }

    private func handle(_ signalNumber: Int32, grace: Duration, onSignal: @Sendable (Int32) -> Void) {
        let first = state.withLock { state -> Int32? in
            if let earlier = state.signal { return earlier }
            state.signal = signalNumber
            return nil
        }
        // A second signal: the user will not wait for the teardown.
        if let first { Interruption.stopNow(first, reason: "second signal") }
        FileHandle.standardError.write(
            Data("\nlsqm: \(Interruption.name(signalNumber)) received — stopping child processes and plugin workers…\n".utf8))
        onSignal(signalNumber)
        let seconds = Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            Interruption.stopNow(signalNumber, reason: "still running \(Int(seconds)) s after the signal")
        }
    }

    /// Kills every child group and exits with 128 + `signal`.
    public static func stopNow(_ signalNumber: Int32, reason: String) -> Never {
        ChildProcesses.killAll()
        FileHandle.standardError.write(Data("lsqm: stopped (\(reason)): child processes killed\n".utf8))
        exit(exitStatus(signalNumber))
    }

    /// Restores the default handling (the command finished).
    public func cancel() {
        let sources = state.withLock { $0.sources }
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

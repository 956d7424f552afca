import CLSQMSystem
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Every child process group lsqm has started and not yet reaped, so none outlives lsqm.
///
/// Two layers, because each one alone has a gap:
/// - a watchdog process (`clsqm_start_watchdog`) knows every child's process group and kills the groups when
///   lsqm's end of its socket closes — however lsqm died, kill -9 included — so children and grandchildren
///   (terraform's provider, LocalStack's workers) go with it. It is started before the first child, and each
///   child is registered as soon as swift-subprocess reports its pid. (Children used to get `PR_SET_PDEATHSIG`
///   too; posix_spawn cannot set it, and it fires on the exit of the spawning *thread*, not of lsqm.)
/// - when a record directory is set (the cache's `processes/`), the groups are also written down, so the next
///   lsqm run or `lsqm clean` stops what an earlier run left if even the watchdog was killed.
public enum ChildProcesses {
    private struct State {
        var watchdog: Int32?
        var watchdogPID: Int32 = 0
        /// Set when starting or talking to the watchdog failed, and at exit: none is started again.
        var noMoreWatchdog = false
        /// pgid → (start time, command name) of the group's leader.
        var live: [pid_t: (start: UInt64, command: String)] = [:]
        var recordDirectory: URL?
    }

    private static let state = Locked(State())

    /// Where this process writes `<pid>.json` listing its live children (nil: nowhere).
    public static func setRecordDirectory(_ directory: URL?) {
        state.withLock { $0.recordDirectory = directory }
        writeRecord()
    }

    /// Starts the watchdog if it is not running yet: called before a child is spawned, so that the child's
    /// group can be handed to it the moment its pid is known.
    static func startWatchdog() {
        state.withLock { state in
            guard state.watchdog == nil, !state.noMoreWatchdog else { return }
            let fd = clsqm_start_watchdog(&state.watchdogPID)
            if fd >= 0 { state.watchdog = fd } else { state.noMoreWatchdog = true }
        }
    }

    /// At a clean exit: closes the watchdog's socket and reaps it. The watchdog kills whatever group is still
    /// registered (none, when every stage tore down) and exits; waiting for it means no process of lsqm's is left
    /// when lsqm's own exit is seen — not even the watchdog for the moment it needs to notice the socket closed.
    public static func stopWatchdog() {
        let pid = state.withLock { state -> Int32 in
            guard let fd = state.watchdog else { return 0 }
            close(fd)
            state.watchdog = nil
            state.noMoreWatchdog = true  // this process is exiting
            return state.watchdogPID
        }
        guard pid > 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }

    /// Called right after a child started in its own group `pid`.
    static func register(_ pid: pid_t, command: String) {
        let start = UInt64(clsqm_process_start_time(pid))
        startWatchdog()
        state.withLock { state in
            if let fd = state.watchdog, clsqm_watchdog_send(fd, pid) != 0 {
                close(fd)
                state.watchdog = nil
                state.noMoreWatchdog = true
            }
            state.live[pid] = (start, command)
        }
        writeRecord()
    }

    /// Called once the child `pid` was reaped and its group killed.
    static func unregister(_ pid: pid_t) {
        let removed = state.withLock { state -> Bool in
            guard state.live.removeValue(forKey: pid) != nil else { return false }
            if let fd = state.watchdog { _ = clsqm_watchdog_send(fd, -pid) }
            return true
        }
        if removed { writeRecord() }
    }

    /// The process groups started and not yet reaped.
    public static var liveGroups: [pid_t] { state.withLock { Array($0.live.keys).sorted() } }

    /// SIGKILL to every live child group: the last step of stopping on a signal.
    public static func killAll() {
        for pgid in liveGroups { kill(-pgid, SIGKILL) }
    }

    // MARK: Records of earlier runs

    struct Record: Codable {
        struct Child: Codable {
            var pgid: Int32
            var start: UInt64
            var command: String
        }
        var owner: Int32
        var ownerStart: UInt64
        var children: [Child]
        enum CodingKeys: String, CodingKey {
            case owner, children
            case ownerStart = "owner_start"
        }
    }

    private static func writeRecord() {
        let (directory, children) = state.withLock { state in
            (
                state.recordDirectory,
                state.live.map { Record.Child(pgid: $0.key, start: $0.value.start, command: $0.value.command) }.sorted { $0.pgid < $1.pgid }
            )
        }
        guard let directory else { return }
        let me = getpid()
        let file = directory.appendingPathComponent("\(me).json")
        if children.isEmpty {
            Files.remove(file)
            return
        }
        let record = Record(owner: me, ownerStart: UInt64(clsqm_process_start_time(me)), children: children)
        // Not durable: a record matters only while this boot's processes run.
        try? AtomicFile.writeJSON(record, to: file, durable: false)
    }

    /// Stops the child groups that earlier lsqm processes recorded in `directory` and that outlived them
    /// (their owner is gone, the leader's start time still matches, so the pid was not reused), and removes
    /// those records. Returns a line per group stopped.
    @discardableResult
    public static func stopLeftovers(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var stopped: [String] = []
        for name in names where name.hasSuffix(".json") {
            let file = directory.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: file), let record = try? JSONCoding.decode(Record.self, from: data) else {
                Files.remove(file)
                continue
            }
            if record.owner == getpid() { continue }
            let ownerStart = UInt64(clsqm_process_start_time(record.owner))
            if ownerStart != 0, ownerStart == record.ownerStart { continue }  // still running: not a leftover
            for child in record.children {
                let start = UInt64(clsqm_process_start_time(child.pgid))
                if start != 0, start == child.start {
                    kill(-child.pgid, SIGKILL)
                    stopped.append("\(child.command) (pid \(child.pgid), left by lsqm pid \(record.owner))")
                }
            }
            Files.remove(file)
        }
        return stopped
    }

    /// Removes `lsqm-validate-*` and `lsqm-check-*` folders in `directory` that no running lsqm owns: their
    /// name carries the owner's pid (`lsqm-validate-<pid>-XXXXXX`); folders of older lsqm versions (no pid)
    /// count as stale after a day. Returns the removed paths.
    @discardableResult
    public static func removeStaleScratch(
        in directory: URL = URL(fileURLWithPath: NSTemporaryDirectory()),
        olderThan unownedAge: TimeInterval = 86_400
    ) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed: [String] = []
        for name in names {
            guard let prefix = scratchPrefixes.first(where: { name.hasPrefix($0 + "-") }) else { continue }
            let rest = name.dropFirst(prefix.count + 1).split(separator: "-", omittingEmptySubsequences: false)
            let url = directory.appendingPathComponent(name)
            let stale: Bool
            // Only lsqm's own names: `<prefix>-<pid>-XXXXXX` (mkdtemp's six characters) or, from older
            // versions, `<prefix>-XXXXXX`. Anything else that merely starts alike (a test's folder) is not ours.
            if rest.count == 2, rest[1].count == 6, let owner = pid_t(rest[0]) {
                stale = owner != getpid() && kill(owner, 0) != 0 && errno == ESRCH
            } else if rest.count == 1, rest[0].count == 6 {
                let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? Date()
                stale = Date().timeIntervalSince(modified) > unownedAge
            } else {
                continue
            }
            if stale {
                Files.remove(url)
                removed.append(url.path)
            }
        }
        return removed
    }

    /// The prefixes of lsqm's per-process scratch folders.
    public static let scratchPrefixes = ["lsqm-validate", "lsqm-check"]

    /// A scratch folder prefix that names this process as its owner (see `removeStaleScratch`).
    public static func ownedScratchPrefix(_ prefix: String) -> String { "\(prefix)-\(getpid())" }
}

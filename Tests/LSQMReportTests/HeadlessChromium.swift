import Foundation
import LSQMBasics

#if canImport(Glibc)
    import Glibc
#endif

/// Drives a real headless Chromium over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the browser
/// reads commands on fd 3 and writes replies and events on fd 4, each message NUL-terminated JSON). No
/// websocket, no port, nothing for another process to connect to.
final class HeadlessChromium {
    enum Failure: Error, CustomStringConvertible {
        case launch(String), protocolError(String), timeout(String)
        var description: String {
            switch self {
            case .launch(let s): "could not launch chromium: \(s)"
            case .protocolError(let s): "DevTools error: \(s)"
            case .timeout(let s): "timed out waiting for \(s)"
            }
        }
    }

    static func executable() -> String? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            if let path = Subprocess.which(name) { return path }
        }
        return nil
    }

    private let pid: pid_t
    private let commands: Int32
    private let replies: Int32
    private let profile: URL
    private var buffer: [UInt8] = []
    private var nextID = 0
    private(set) var sessionID: String?
    /// Every event received so far, in order.
    private(set) var events: [[String: Any]] = []

    init(executable: String) throws {
        profile = try Files.makeTemporaryDirectory(prefix: "lsqm-chromium")
        var toBrowser: [Int32] = [0, 0], fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure.launch("pipe: \(errno)") }
        for fd in [toBrowser[1], fromBrowser[0]] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start. The page is our own file.
        let arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--mute-audio", "--hide-scrollbars", "about:blank",
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = SecretEnvironment.scrubbed()
        environment["HOME"] = profile.path
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(toBrowser[0]); close(fromBrowser[1])
        guard status == 0 else {
            close(toBrowser[1]); close(fromBrowser[0])
            throw Failure.launch("posix_spawn: \(status)")
        }
        pid = child; commands = toBrowser[1]; replies = fromBrowser[0]
    }

    deinit {
        close(commands); close(replies)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        Files.remove(profile)
    }

    /// Opens a fresh tab and attaches to it; later calls go to that tab.
    func openTab() throws {
        let target = try call("Target.createTarget", ["url": "about:blank"], browserLevel: true)
        guard let targetID = target["targetId"] as? String else { throw Failure.protocolError("no targetId") }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true], browserLevel: true)
        sessionID = attached["sessionId"] as? String
        for domain in ["Page", "Runtime", "Network", "Log"] { _ = try call("\(domain).enable") }
    }

    /// Sends a command and waits for its reply, collecting events that arrive meanwhile.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], browserLevel: Bool = false, timeout: TimeInterval = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if !browserLevel, let sessionID { message["sessionId"] = sessionID }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(commands, raw.baseAddress! + offset, raw.count - offset)
                guard written > 0 else { throw Failure.protocolError("write failed for \(method)") }
                offset += written
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try nextMessage(until: deadline, waitingFor: method)
            guard (reply["id"] as? Int) == id else { events.append(reply); continue }
            if let error = reply["error"] as? [String: Any] { throw Failure.protocolError("\(method): \(error["message"] ?? error)") }
            return reply["result"] as? [String: Any] ?? [:]
        }
    }

    /// Waits until an event named `method` has arrived (including one already received since `index`).
    func waitForEvent(_ method: String, after index: Int = 0, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !events[min(index, events.count)...].contains(where: { ($0["method"] as? String) == method }) {
            events.append(try nextMessage(until: deadline, waitingFor: method))
        }
    }

    /// Evaluates JavaScript in the page and returns its JSON-able value.
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] as? [String: Any] {
            throw Failure.protocolError("page threw: \((exception["exception"] as? [String: Any])?["description"] ?? exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Navigates and waits for the load event.
    func load(_ url: URL, timeout: TimeInterval = 30) throws {
        let mark = events.count
        _ = try call("Page.navigate", ["url": url.absoluteString])
        try waitForEvent("Page.loadEventFired", after: mark, timeout: timeout)
    }

    func setViewport(width: Int, height: Int) throws {
        try call("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
    }

    /// A PNG of the whole page.
    func screenshot() throws -> Data {
        let shot = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true])
        guard let base64 = shot["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw Failure.protocolError("no screenshot data")
        }
        return data
    }

    /// Presses a key in the page (as a keyboard would, through the browser's input pipeline).
    func press(key: String, code: String, keyCode: Int, text: String? = nil) throws {
        var down: [String: Any] = ["type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": keyCode]
        if let text { down["text"] = text }
        try call("Input.dispatchKeyEvent", down)
        try call("Input.dispatchKeyEvent", ["type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": keyCode])
    }

    // MARK: Collected events

    func events(named method: String) -> [[String: Any]] { events.filter { ($0["method"] as? String) == method } }

    /// Console errors and warnings, uncaught exceptions and browser log errors (CSP violations land here).
    var problems: [String] {
        var found: [String] = []
        for event in events(named: "Runtime.consoleAPICalled") {
            let params = event["params"] as? [String: Any] ?? [:]
            if let type = params["type"] as? String, ["error", "warning", "assert"].contains(type) {
                found.append("console.\(type): \(params["args"] ?? "")")
            }
        }
        for event in events(named: "Runtime.exceptionThrown") { found.append("exception: \(event["params"] ?? "")") }
        for event in events(named: "Log.entryAdded") {
            let entry = (event["params"] as? [String: Any])?["entry"] as? [String: Any] ?? [:]
            if let level = entry["level"] as? String, level == "error" || level == "warning" { found.append("log \(level): \(entry["text"] ?? "")") }
        }
        for event in events(named: "Page.javascriptDialogOpening") { found.append("dialog opened: \(event["params"] ?? "")") }
        return found
    }

    /// URLs of every request the page made.
    var requestedURLs: [String] {
        events(named: "Network.requestWillBeSent").compactMap { (($0["params"] as? [String: Any])?["request"] as? [String: Any])?["url"] as? String }
    }

    // MARK: Pipe

    private func nextMessage(until deadline: Date, waitingFor what: String) throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let bytes = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                    throw Failure.protocolError("a message that is not an object")
                }
                return object
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure.timeout(what) }
            var poller = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0 && errno != EINTR { throw Failure.protocolError("poll: \(errno)") }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = read(replies, &chunk, chunk.count)
            guard count > 0 else { throw Failure.protocolError("chromium closed the pipe while waiting for \(what)") }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}

import Foundation

/// A value behind a lock, shareable across threads and closures (unlike the noncopyable `Mutex`, a reference
/// can be captured by several escaping closures, which thread-based servers and relays need).
// @unchecked Sendable: `stored` is only touched under `lock`.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    public init(_ value: Value) { stored = value }

    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&stored)
    }

    public var value: Value { withLock { $0 } }
}

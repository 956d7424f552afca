import Foundation
import LSQMBasics
import LSQMTestSupport
import XCTest

/// The fault-injecting proxy against a fake upstream: what it forwards, what it breaks, and that a seed
/// replays the same faults.
final class FaultInjectingProxyTests: XCTestCase {
    /// A DynamoDB-style JSON request for `operation`, as boto3 (test phase) or terraform (deploy) sends it.
    func call(_ proxy: FaultInjectingProxy, _ operation: String, testPhase: Bool = true) async throws -> HTTPClient.Response {
        try await HTTPClient().send(
            method: "POST", url: proxy.url,
            headers: [
                "X-Amz-Target": "DynamoDB_20120810.\(operation)", "Content-Type": "application/x-amz-json-1.0",
                "User-Agent": testPhase ? "Boto3/1.43.0 md/Botocore#1.43.0" : "APN/1.0 HashiCorp/1.0 Terraform/1.9",
            ],
            body: Data("{}".utf8), timeout: 10)
    }

    func testForwardsBreaksFromItsWeekAndIsUnreachableInItsWeek() async throws {
        let upstream = try HTTPTestServer { request in .json(["echo": .string(request.headers["x-amz-target"] ?? "")]) }
        defer { upstream.stop() }
        let proxy = try FaultInjectingProxy(upstream: upstream.baseURL, seed: 1, brokenOperations: ["UpdateItem": 2], unreachableWeeks: [3])
        defer { proxy.stop() }
        let forwarded = try await call(proxy, "UpdateItem")
        XCTAssertEqual(forwarded.status, 200)
        XCTAssertEqual(String(decoding: forwarded.body, as: UTF8.self), #"{"echo":"DynamoDB_20120810.UpdateItem"}"#)

        proxy.startWeek(2, faults: .none)
        let broken = try await call(proxy, "UpdateItem", testPhase: false)
        XCTAssertEqual(broken.status, 500, "broken for terraform and boto3 alike")
        XCTAssertTrue(String(decoding: broken.body, as: UTF8.self).contains("InternalError"))
        let unbroken = try await call(proxy, "GetItem")
        XCTAssertEqual(unbroken.status, 200)

        proxy.startWeek(3, faults: .none)
        do {
            _ = try await call(proxy, "GetItem")
            XCTFail("week 3 is unreachable")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .remote)
        }
        XCTAssertEqual(proxy.injections.map(\.fault), [.broken, .unreachable])
    }

    func testRandomFaultsHitOnlyTheTestPhaseAndReplayPerSeed() async throws {
        let upstream = try HTTPTestServer { _ in .json([:]) }
        defer { upstream.stop() }
        func statuses(seed: UInt64, testPhase: Bool) async throws -> [Int] {
            let proxy = try FaultInjectingProxy(upstream: upstream.baseURL, seed: seed)
            defer { proxy.stop() }
            proxy.startWeek(2, faults: FaultInjectingProxy.Faults(internalError: 0.3, unavailable: 0.2, transientNotFound: 0.2))
            var statuses: [Int] = []
            for _ in 0..<30 { statuses.append(try await call(proxy, "PutItem", testPhase: testPhase).status) }
            return statuses
        }
        let first = try await statuses(seed: 42, testPhase: true)
        let again = try await statuses(seed: 42, testPhase: true)
        let otherSeed = try await statuses(seed: 43, testPhase: true)
        let deploy = try await statuses(seed: 42, testPhase: false)
        XCTAssertEqual(again, first, "a seed replays the same faults")
        XCTAssertNotEqual(otherSeed, first)
        XCTAssertEqual(Set(first), [200, 500, 503, 400], "\(first)")
        XCTAssertEqual(Set(deploy), [200], "the deploy is never faulted at random")
    }

    func testHangAnswersOnlyAfterTheHangAndResetStartsANewSession() async throws {
        let upstream = try HTTPTestServer { _ in .json([:]) }
        defer { upstream.stop() }
        let proxy = try FaultInjectingProxy(upstream: upstream.baseURL, seed: 5)
        defer { proxy.stop() }
        proxy.startWeek(2, faults: FaultInjectingProxy.Faults(hang: 1, hangDuration: .seconds(1)))
        let stopwatch = Stopwatch()
        let hung = try await call(proxy, "Scan")
        XCTAssertEqual(hung.status, 200)
        XCTAssertGreaterThanOrEqual(stopwatch.milliseconds, 1_000)
        _ = try await HTTPClient().send(method: "POST", url: proxy.url.appendingPathComponent("moto-api/reset"), timeout: 10)
        XCTAssertEqual(proxy.injections.map(\.session).count, 1)
        XCTAssertEqual(Set(upstream.requests.map(\.path)), ["/", "/moto-api/reset"], "the reset reaches the emulator")
        let after = try await call(proxy, "Scan")
        XCTAssertEqual(after.status, 200)
        XCTAssertEqual(proxy.injections.map(\.session), [1, 2], "the re-run after a reset draws anew")
    }
}

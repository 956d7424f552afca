import Foundation
import LSQMBasics

// scripts/bench-hash.sh's driver, not a test (figures depend on the machine). Hashes every regular file under a
// folder with lsqm's SHA256 the way indexing does (each file read whole, then hashed) and prints the files, the
// bytes, the read time, the hashing wall time over several rounds and its throughput, and a checksum over every
// digest: equal checksums from two implementations mean identical digests for the whole folder.
// Uses only the API the hand-written SHA256 (before issue 18) also had, so the script can build it against that.
let arguments = Array(CommandLine.arguments.dropFirst())
let root = URL(fileURLWithPath: arguments.first ?? "../shared/corpus").standardizedFileURL
let rounds = max(1, arguments.count > 1 ? Int(arguments[1]) ?? 10 : 10)

var paths: [String] = []
if let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
    for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
        paths.append(url.path)
    }
}
paths.sort()

let wallClock = ContinuousClock()
let readStart = wallClock.now
let contents = paths.compactMap { FileManager.default.contents(atPath: $0) }
let readTime = wallClock.now - readStart
let bytes = contents.reduce(0) { $0 + $1.count }

var checksum = SHA256()
// CPU time as well as wall time: on a shared machine the wall time mostly measures the other processes.
let cpuStart = cpuSeconds()
let hashStart = wallClock.now
for round in 0..<rounds {
    for data in contents {
        let digest = SHA256.hex(data)
        if round == 0 { checksum.update(digest) }
    }
}
let hashTime = wallClock.now - hashStart
let hashCPU = cpuSeconds() - cpuStart

/// The process's CPU time (user + system).
func cpuSeconds() -> Double { Double(clock()) / Double(CLOCKS_PER_SEC) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
let megabytes = Double(bytes) / 1_000_000
print("files: \(contents.count), \(String(format: "%.1f", megabytes)) MB under \(root.path)")
print("read: \(String(format: "%.3f", seconds(readTime))) s")
print(
    "hash: \(rounds) rounds in \(String(format: "%.3f", seconds(hashTime))) s wall, "
        + "\(String(format: "%.3f", seconds(hashTime) / Double(rounds))) s per pass, "
        + "\(String(format: "%.1f", megabytes * Double(rounds) / seconds(hashTime))) MB/s; "
        + "\(String(format: "%.3f", hashCPU)) s CPU, \(String(format: "%.1f", megabytes * Double(rounds) / hashCPU)) MB per CPU second")
print("checksum of all digests: \(checksum.finalizeHex())")

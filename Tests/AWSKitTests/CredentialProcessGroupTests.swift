@testable import AWSKit
import Foundation
import Testing

/// A `credential_process` runs in a process group of its own, which is killed when the caller
/// gives up on it and once the command has exited: nothing it started outlives it.
struct CredentialProcessGroupTests {
    let home: TestHome

    init() throws { home = try TestHome() }

    /// A script that starts `sleep 300` in the background, writes both PIDs down, then `tail`.
    func script(_ tail: String) throws -> (script: String, leader: String, child: String) {
        let (leader, child) = (home.path + "/leader.pid", home.path + "/child.pid")
        let script = try home.script("creds", "echo $$ > \(leader).tmp && mv \(leader).tmp \(leader)\n"
            + "sleep 300 & echo $! > \(child).tmp && mv \(child).tmp \(child)\n" + tail)
        return (script, leader, child)
    }

    /// Once the caller was cancelled, the command and its background child were both killed;
    /// before, the command ran on and the cache's refresh task kept waiting for it.
    @Test(.timeLimit(.minutes(1)))
    func aCredentialProcessIsKilledWithItsProcessGroupWhenItsCallerIsCancelled() async throws {
        let (script, leader, child) = try script("wait")
        try home.config("[default]\ncredential_process = \(script)\n")
        let cache = AWSCredentialsCache(chain: AWSCredentialChain(configuration: try home.configuration()))
        let waiter = Task { try await cache.credentials() }
        let pids = try await [readPID(leader), readPID(child)]
        #expect(pids.allSatisfy(isAlive))
        waiter.cancel()
        let error = await #expect(throws: AWSError.self) { try await waiter.value }
        #expect(error?.description.contains("its run ended") == true, "\(String(describing: error))")
        for pid in pids { try await expectGone(pid) }
    }

    /// A command that exits while a child it left behind holds its output open once made the
    /// read wait for that child, here for five minutes.
    @Test(.timeLimit(.minutes(1)))
    func aCredentialProcessThatLeavesAChildHoldingItsOutputStillReturns() async throws {
        let (script, _, child) = try script(#"echo '{"Version": 1, "AccessKeyId": "AKIDLEFT", "SecretAccessKey": "s"}'"#)
        try home.config("[default]\ncredential_process = \(script)\n")
        let found = try await AWSCredentialChain(configuration: home.configuration()).resolve()
        #expect(found.credentials.accessKeyID == "AKIDLEFT")
        try await expectGone(readPID(child))
    }

    /// A command that prints without end is cut off at the provider's limit, not buffered whole.
    @Test(.timeLimit(.minutes(1)))
    func aCredentialProcessThatPrintsWithoutEndIsCutOff() async throws {
        let script = try home.script("creds", "yes '{}' | head -c 1000000")
        try home.config("[default]\ncredential_process = \(script)\n")
        let error = await #expect(throws: AWSError.self) { try await AWSCredentialChain(configuration: home.configuration()).resolve() }
        #expect(error?.description.contains("printed more than \(ProcessCredentialProvider.outputLimit) bytes") == true,
                "\(String(describing: error))")
    }

    func readPID(_ path: String) async throws -> Int32 {
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return pid }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }

    /// Gone, or a zombie waiting for a reaper that is not this process.
    func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    func expectGone(_ pid: Int32) async throws {
        for _ in 0..<200 where isAlive(pid) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!isAlive(pid), "pid \(pid) still runs")
    }
}

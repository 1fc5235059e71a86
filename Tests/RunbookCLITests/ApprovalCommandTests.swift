import Foundation
import Testing
import TestSupport

/// `runbook approve`, `runbook approvals` and validate's check of runbooks.lock, as a person and CI see them.
struct ApprovalCommandTests {
    /// A runbook that reads, probes and reboots a broker, with an escape sequence in its description.
    static let rebootRunbook = """
        return runbook {
          name = "cli.reboot",
          version = "1.2.0",
          description = "Reboot a broker \u{1b}[31mcarefully",
          params = {
            cluster_arn = { type = "string", required = true, doc = "The cluster" },
            token = { type = "string", secret = true, default = "hunter2" },
          },
          triggers = { { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_arn = "dimension:Cluster Name" } } },
          automation = { target = "cluster_arn", cooldown = 900, max_mutations = 1, window = 7200 },
          run = function(p)
            -- kafka.delete_cluster is only named in this comment
            local c = kafka.describe_cluster(p.cluster_arn)
            probe.tcp("broker", 9094)
            kafka.reboot_broker(p.cluster_arn, { "1" })
          end,
        }
        """

    @Test func approveWithYesWritesTheLockAndShowsWhatTheRunbookDoes() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/msk/reboot.lua", Self.rebootRunbook)
        let approve = try await cli.run("approve", "cli.reboot", "--yes", "--by", "alice")
        #expect(approve.status == 0, "\(approve.stderr)")
        let out = approve.stdout
        #expect(out.contains("Reboot a broker \\x1b[31mcarefully"), "\(out)")
        #expect(!out.contains("\u{1b}"))
        #expect(out.contains("cluster_arn (string, required)  The cluster"))
        #expect(out.contains("token (string, default <redacted>, secret)") && !out.contains("hunter2"), "\(out)")
        #expect(out.contains("cloudwatch ALARM: AWS/Kafka CpuUser: cluster_arn <- dimension:Cluster Name"))
        #expect(out.contains("target: cluster_arn") && out.contains("cooldown: 900 s") && out.contains("max_mutations: 1 per 7200 s"), "\(out)")
        #expect(out.contains("  mutate  kafka.reboot_broker\n"), "\(out)")
        #expect(out.contains("  probe   probe.tcp\n") && out.contains("  read    kafka.describe_cluster\n"), "\(out)")
        #expect(!out.contains("delete_cluster"))
        #expect(out.contains("a static scan") && out.contains("runbook run cli.reboot --dry-run --report"), "\(out)")
        let lock = try String(contentsOfFile: cli.home + "/runbooks/runbooks.lock", encoding: .utf8)
        let lines = lock.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("# runbooks.lock: ") && lines[1].hasPrefix("# "), "\(lock)")
        let entry = try #require(lines.last).split(separator: " ")
        #expect(entry.count == 5 && entry[0] == "cli.reboot" && entry[1] == "1.2.0" && entry[3] == "by=alice", "\(lock)")
        #expect(entry[2].hasPrefix("sha256=") && entry[2].count == 71 && entry[4].hasPrefix("at=20") && entry[4].hasSuffix("Z"), "\(lock)")
        #expect(out.contains("approved cli.reboot 1.2.0 sha256=\(entry[2].dropFirst(7).prefix(8))… by alice in runbooks/runbooks.lock"), "\(out)")

        // Approving again replaces the entry.
        let again = try await cli.run("approve", "cli.reboot", "--yes", "--by", "bob")
        #expect(again.status == 0)
        let relocked = try String(contentsOfFile: cli.home + "/runbooks/runbooks.lock", encoding: .utf8)
        #expect(relocked.split(separator: "\n").count == 3 && relocked.contains(" by=bob "), "\(relocked)")
    }

    @Test func approveWithoutATerminalOrYesRefuses() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/msk/reboot.lua", Self.rebootRunbook)
        let approve = try await cli.run("approve", "cli.reboot")
        #expect(approve.status == 2)
        #expect(approve.stderr.contains("not a terminal") && approve.stderr.contains("--yes"), "\(approve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.home + "/runbooks/runbooks.lock"))
    }

    /// On a terminal approve asks, and only a yes writes the lock. script(1) gives it a pseudo-terminal.
    @Test(arguments: [("n", Int32(1), false), ("y", Int32(0), true)])
    func onATerminalApproveAsks(answer: String, status: Int32, approved: Bool) async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/msk/reboot.lua", Self.rebootRunbook)
        let command = "printf '\(answer)\\n' | script -qec '\(CLI.binary) approve cli.reboot --by alice; exit $?' /dev/null"
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", command], environment: cli.childEnvironment([:]), directory: cli.home)
        #expect(outcome.status == .exited(status), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("Approve cli.reboot 1.2.0 for automated runs? [y/N] "), "\(outcome.stdout)")
        #expect(FileManager.default.fileExists(atPath: cli.home + "/runbooks/runbooks.lock") == approved)
    }

    @Test func anInvalidRunbookOrApproverCannotBeApproved() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/broken.lua", "return runbook { name = \"cli.broken\", version = \"1\", description = \"x\", run = function() end }")
        let broken = try await cli.run("approve", "runbooks/broken.lua", "--yes")
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("not a semantic version"), "\(broken.stderr)")
        cli.write("runbooks/hello.lua", helloRunbook)
        let badApprover = try await cli.run("approve", "cli.hello", "--yes", "--by", "alice smith")
        #expect(badApprover.status == 2)
        #expect(badApprover.stderr.contains("approver 'alice smith' is not a valid name"), "\(badApprover.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cli.home + "/runbooks/runbooks.lock"))
    }

    @Test func approvalsAndValidateFlagChangedAndMissingRunbooks() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("runbooks/msk/reboot.lua", Self.rebootRunbook)
        cli.write("runbooks/hello.lua", helloRunbook)
        let gone = cli.write("runbooks/gone.lua", helloRunbook.replacingOccurrences(of: "cli.hello", with: "cli.gone"))
        for name in ["cli.reboot", "cli.hello", "cli.gone"] {
            #expect(try await cli.run("approve", name, "--yes", "--by", "ci").status == 0)
        }
        try FileManager.default.removeItem(atPath: gone)
        let before = try await cli.run("validate")
        #expect(before.status == 2)
        #expect(before.stdout.contains("invalid approval: cli.gone is approved at 1.0.0 sha256="), "\(before.stdout)")
        #expect(before.stdout.contains("in runbooks/runbooks.lock but no runbook has that name"), "\(before.stdout)")

        // One byte: the version stays, the hash does not.
        let source = try String(contentsOfFile: file, encoding: .utf8)
        cli.write("runbooks/msk/reboot.lua", source.replacingOccurrences(of: "\"1\" })", with: "\"2\" })"))
        let approvals = try await cli.run("approvals")
        #expect(approvals.status == 0, "\(approvals.stderr)")
        #expect(approvals.stdout.hasPrefix("runbooks/runbooks.lock\n"), "\(approvals.stdout)")
        #expect(approvals.stdout.contains("  approved  cli.hello 1.0.0 sha256="), "\(approvals.stdout)")
        #expect(approvals.stdout.contains("  missing   cli.gone is approved at 1.0.0"), "\(approvals.stdout)")
        #expect(approvals.stdout.contains("  changed   cli.reboot is approved at 1.2.0 sha256="), "\(approvals.stdout)")
        #expect(approvals.stdout.contains("but runbooks/msk/reboot.lua is 1.2.0 sha256="), "\(approvals.stdout)")

        let validate = try await cli.run("validate")
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("invalid approval: cli.reboot is approved at 1.2.0 sha256="), "\(validate.stdout)")
        #expect(validate.stdout.contains("; re-approve with runbook approve cli.reboot"), "\(validate.stdout)")
        #expect(validate.stdout.contains("2 valid, 2 invalid"), "\(validate.stdout)")
    }

    @Test func aMalformedLockFailsApprovalsAndValidate() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        cli.write("runbooks/runbooks.lock", "# header\ncli.hello 1.0.0 sha256=x by=ci at=2026-12-02T10:00:00Z\n")
        let approvals = try await cli.run("approvals")
        #expect(approvals.status == 2)
        #expect(approvals.stderr.contains("runbooks/runbooks.lock:2: sha256 must be 64 lowercase hex digits"), "\(approvals.stderr)")
        let validate = try await cli.run("validate")
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("invalid runbooks/runbooks.lock:2: sha256 must be"), "\(validate.stdout)")
        // Runbooks no lock names are fine: not every runbook is automated.
        try FileManager.default.removeItem(atPath: cli.home + "/runbooks/runbooks.lock")
        #expect(try await cli.run("validate").status == 0)
    }
}

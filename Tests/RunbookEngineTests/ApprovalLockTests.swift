import Foundation
@testable import RunbookEngine
import Testing

/// runbooks.lock is read from a repository anyone can change: every line is checked, and what
/// `approve` writes reads back the same.
struct ApprovalLockTests {
    static let hash = String(repeating: "ab", count: 32)
    static let entry = "msk.high-cpu 1.1.0 sha256=\(hash) by=alice at=2026-12-02T10:00:00Z"

    func engine() throws -> Engine { try Engine(EngineConfiguration()) }

    @Test func aValidLockReadsEveryEntry() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let path = folder.write(ApprovalLock.fileName, """
            # a comment

            zeta.one 2.0.0-rc.1+build.5 sha256=\(Self.hash) by=bob@example.com at=2026-01-31T23:59:59Z
            \(Self.entry)
            """)
        let lock = try ApprovalLock.read(path: path)
        #expect(lock.approvals.map(\.name) == ["msk.high-cpu", "zeta.one"])
        let first = try #require(lock.approvals.first)
        #expect(first.version == SemanticVersion("1.1.0"))
        #expect(first.sha256 == Self.hash)
        #expect(first.approvedBy == "alice")
        #expect(first.approvedAt == Date(timeIntervalSince1970: 1_796_205_600))
        #expect(lock.approvals.last?.version.description == "2.0.0-rc.1+build.5")
    }

    @Test func noFileIsAnEmptyLock() throws {
        let lock = try ApprovalLock.read(path: NSTemporaryDirectory() + "no-such-folder-\(UUID().uuidString)/" + ApprovalLock.fileName)
        #expect(lock.approvals.isEmpty)
    }

    static let malformed: [(line: String, message: String)] = [
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=alice", "expected 5 fields separated by single spaces, found 4"),
        ("msk.high-cpu  1.1.0 sha256=\(hash) by=alice at=2026-12-02T10:00:00Z", "found 6"),
        ("1msk 1.1.0 sha256=\(hash) by=alice at=2026-12-02T10:00:00Z", "'1msk' is not a runbook name"),
        ("msk.high-cpu 1.1 sha256=\(hash) by=alice at=2026-12-02T10:00:00Z", "'1.1' is not a semantic version"),
        ("msk.high-cpu 1.1.0 sha=\(hash) by=alice at=2026-12-02T10:00:00Z", "field 3 must be sha256=..."),
        ("msk.high-cpu 1.1.0 sha256=\(hash.uppercased()) by=alice at=2026-12-02T10:00:00Z", "sha256 must be 64 lowercase hex digits"),
        ("msk.high-cpu 1.1.0 sha256=abc by=alice at=2026-12-02T10:00:00Z", "sha256 must be 64 lowercase hex digits"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=al\u{1b}ice at=2026-12-02T10:00:00Z", "by must be 1 to 64 of"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by= at=2026-12-02T10:00:00Z", "by must be 1 to 64 of"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=\(String(repeating: "a", count: 65)) at=2026-12-02T10:00:00Z", "by must be 1 to 64 of"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=alice at=2026-02-30T10:00:00Z", "at must be a UTC time"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=alice at=2026-12-02 10:00:00", "found 6"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=alice at=2026-12-02T10:00:00+01:00", "at must be a UTC time"),
        ("msk.high-cpu 1.1.0 sha256=\(hash) by=alice at=2026-12-02T10:00:00Z\r", "at must be a UTC time"),
        (entry, "msk.high-cpu is approved already on line 2"),
    ]

    @Test(arguments: malformed)
    func aMalformedLineIsAnErrorAtItsLine(line: String, message: String) throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let path = folder.write(ApprovalLock.fileName, "# header\n\(Self.entry)\n\(line)\n")
        let error = try #require(throws: RunbookError.self) { try ApprovalLock.read(path: path) }
        #expect(error.message.hasPrefix("\(path):3: "), "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    /// Whatever bytes a lock holds, reading it gives a lock or a RunbookError, never a trap.
    @Test func mangledLocksNeverTrap() {
        let valid = Array("# header\n\(Self.entry)\nzeta.one 2.0.0-rc.1 sha256=\(Self.hash) by=bob at=2026-01-31T23:59:59Z\n".utf8)
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(" =.-+:#\n\r\u{0}\u{1b}09afzAZT_@".utf8) + [0xC3, 0xFF]
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = alphabet.randomElement(using: &generator) ?? 0
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &generator) ?? 0, at: index)
                }
            }
            do {
                let lock = try ApprovalLock.parse(Data(bytes), path: "fuzz.lock")
                accepted += 1
                #expect(lock.approvals.allSatisfy { ApprovalLock.isValidApprover($0.approvedBy) && $0.sha256.utf8.count == 64 })
            } catch is RunbookError {
            } catch {
                Issue.record("not a RunbookError: \(error)")
            }
        }
        #expect(accepted < 3000)
    }

    @Test func anOversizedLockIsRefusedWithoutParsing() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let path = folder.write(ApprovalLock.fileName, String(repeating: "#\n", count: ApprovalLock.maximumBytes / 2 + 1))
        let error = try #require(throws: RunbookError.self) { try ApprovalLock.read(path: path) }
        #expect(error.message.contains("over 1 MiB"), "\(error)")
    }

    @Test func aLockThatIsNoRegularFileIsAnErrorNotAWait() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let fifo = folder.path + "/fifo.lock"
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createDirectory(atPath: folder.path + "/dir.lock", withIntermediateDirectories: true)
        for path in [fifo, folder.path + "/dir.lock"] {
            let error = try #require(throws: RunbookError.self) { try ApprovalLock.read(path: path) }
            #expect(error.message.contains("not a regular file"), "\(error)")
        }
    }

    @Test func aBadApproverIsRefused() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let runbook = try engine().inspect(file: folder.write("a.lua", runbookSource("")))
        var lock = try ApprovalLock.read(path: folder.path + "/" + ApprovalLock.fileName)
        for bad in ["", "a b", "alice\n", "x=y", String(repeating: "a", count: 65), "ålice"] {
            #expect(throws: RunbookError.self) { try lock.approve(runbook, by: bad, at: Date()) }
        }
        #expect(lock.approvals.isEmpty)
    }

    @Test func whatIsWrittenReadsBackSortedOneLineEach() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let engine = try engine()
        let zeta = try engine.inspect(file: folder.write("z.lua", runbookSource("", name: "zeta.check")))
        let alpha = try engine.inspect(file: folder.write("a.lua", runbookSource("", name: "alpha.check")))
        let path = ApprovalLock.path(inFolder: folder.path)
        var lock = try ApprovalLock.read(path: path)
        let time = Date(timeIntervalSince1970: 1_796_205_600.75)
        try lock.approve(zeta, by: "alice", at: time)
        try lock.approve(alpha, by: "bob", at: time)
        try lock.approve(zeta, by: "carol", at: time)
        try lock.write()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == ApprovalLock.header + """
            alpha.check 1.0.0 sha256=\(alpha.sha256) by=bob at=2026-12-02T10:00:00Z
            zeta.check 1.0.0 sha256=\(zeta.sha256) by=carol at=2026-12-02T10:00:00Z

            """)
        let read = try ApprovalLock.read(path: path)
        #expect(read.approvals == lock.approvals)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["a.lua", ApprovalLock.fileName, "z.lua"])
    }

    @Test func aOneByteEditChangesTheStatus() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let engine = try engine()
        let source = runbookSource("log.info('hello')")
        let file = folder.write("checks/hello.lua", source)
        let other = try engine.inspect(file: folder.write("other.lua", runbookSource("", name: "other.check")))
        let runbook = try engine.inspect(file: file)
        var lock = try ApprovalLock.read(path: ApprovalLock.path(forRunbookFile: file, directories: [folder.path]))
        #expect(lock.path == folder.path + "/" + ApprovalLock.fileName)
        try lock.approve(runbook, by: "alice", at: Date())
        try lock.write()
        let approval = try #require(lock.approvals.first)
        #expect(try ApprovalLock.approvalStatus(of: runbook, directories: [folder.path]) == .approved(approval))
        #expect(try ApprovalLock.approvalStatus(of: other, directories: [folder.path]) == .notApproved)
        folder.write("checks/hello.lua", source.replacingOccurrences(of: "hello", with: "hellO"))
        let edited = try engine.inspect(file: file)
        #expect(edited.version == runbook.version)
        #expect(try ApprovalLock.approvalStatus(of: edited, directories: [folder.path]) == .changed(approval))
    }

    @Test func aFileOutsideTheSearchFoldersHasTheLockOfItsOwnFolder() {
        #expect(ApprovalLock.path(forRunbookFile: "/srv/other/x.lua", directories: ["runbooks"]) == "/srv/other/runbooks.lock")
        #expect(ApprovalLock.path(forRunbookFile: "x.lua", directories: ["runbooks"]) == "./runbooks.lock")
        #expect(ApprovalLock.path(forRunbookFile: "runbooks/msk/a.lua", directories: ["other", "runbooks/"]) == "runbooks/runbooks.lock")
        #expect(ApprovalLock.path(forRunbookFile: "runbooks/msk/a.lua", directories: ["runbooks", "runbooks/msk"]) == "runbooks/msk/runbooks.lock")
        #expect(ApprovalLock.path(forRunbookFile: "runbooks-old/a.lua", directories: ["runbooks"]) == "runbooks-old/runbooks.lock")
    }

    @Test func theScanNamesEffectfulFunctionsOutsideCommentsAndStrings() throws {
        let source = """
            -- kafka.delete_cluster in a comment
            --[==[ kafka.update_broker_count
            ]==]
            local s = "probe.tcp" .. 'kafka.reboot_broker' .. [[aws.sqs.delete_queue]]
            local c = kafka.describe_cluster(p.cluster_arn)
            kafka . reboot_broker(c.arn, { "1" })
            local field = p.kafka.update_connectivity
            s:kafka()
            probe.tls("h", 1)
            aws.ec2.terminate_instances{}
            aws.ec2.describe_vpcs{}
            aws.ec2.wait("instance_running", {})
            json.encode({})
            """
        let uses = PrimitiveScan.uses(in: source, modules: LuaModule.standard)
        #expect(uses.map(\.name) == ["aws.ec2.terminate_instances", "kafka.reboot_broker", "probe.tls",
                                     "aws.ec2.describe_vpcs", "aws.ec2.wait", "kafka.describe_cluster"])
        #expect(uses.map(\.effect) == [.mutate, .mutate, .probe, .read, .read, .read])
    }
}

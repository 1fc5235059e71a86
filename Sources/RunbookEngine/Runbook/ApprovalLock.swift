public import Foundation

/// One runbook version approved for automated runs: the exact file, by its SHA-256.
public struct Approval: Sendable, Equatable {
    /// The runbook's name.
    public let name: String
    /// The version approved.
    public let version: SemanticVersion
    /// The SHA-256 of the approved file's bytes, as ``Runbook/sha256`` gives it.
    public let sha256: String
    /// Who approved it (`alice`).
    public let approvedBy: String
    /// When, to the second.
    public let approvedAt: Date

    /// Whether this is an approval of `runbook`'s file as it is now.
    func approves(_ runbook: Runbook) -> Bool {
        name == runbook.name && version == runbook.version && sha256 == runbook.sha256
    }
}

/// What a lock says of a runbook file.
public enum ApprovalStatus: Sendable, Equatable {
    /// The lock approves this very file.
    case approved(Approval)
    /// The lock does not name the runbook.
    case notApproved
    /// The lock names the runbook, but approved another version or other bytes.
    case changed(Approval)
}

/// `runbooks.lock`: the runbook versions approved for automated runs, a file beside the runbooks
/// that is reviewed as code is.
///
/// A comment header, then one runbook a line, sorted by name, so a change reads well in a diff:
///
/// ```
/// msk.high-cpu 1.1.0 sha256=0123…(64 hex) by=alice at=2026-12-02T10:00:00Z
/// ```
///
/// The file is untrusted: it is read up to ``maximumBytes``, and every line must be exactly a
/// comment, blank, or an entry whose every field is checked; an error names `file:line`.
public struct ApprovalLock: Sendable {
    /// The lock's file name in its folder.
    public static let fileName = "runbooks.lock"
    /// The largest lock read: over ten thousand entries.
    public static let maximumBytes = 1 << 20
    /// The longest approver name.
    public static let maximumApproverLength = 64

    static let header = """
        # runbooks.lock: runbook versions approved for automated runs. Written by `runbook approve`;
        # review changes to it as you review code. One runbook a line: NAME VERSION sha256=HEX by=WHO at=TIME

        """

    /// The lock's file.
    public let path: String
    /// The approvals, sorted by name.
    public private(set) var approvals: [Approval]

    init(path: String, approvals: [Approval]) {
        self.path = path
        self.approvals = approvals
    }

    /// The lock of a runbook file: in the search folder that holds it (the deepest, when folders
    /// nest), else in the file's own folder.
    ///
    /// - Parameters:
    ///   - file: the runbook file, as the catalog lists it.
    ///   - directories: the search folders (``RunbookCatalog/directories``).
    public static func path(forRunbookFile file: String, directories: [String]) -> String {
        let filePath = canonical(file)
        let holding = directories.filter { directory in
            let folder = canonical(directory)
            return filePath.hasPrefix(folder == "/" ? folder : folder + "/")
        }
        let folder = holding.max { canonical($0).count < canonical($1).count }
            ?? (file as NSString).deletingLastPathComponent
        return path(inFolder: folder)
    }

    /// The lock of `folder`.
    public static func path(inFolder folder: String) -> String {
        var folder = Substring(folder)
        while folder.count > 1, folder.hasSuffix("/") { folder = folder.dropLast() }
        return (folder.isEmpty ? "." : folder == "/" ? "" : folder) + "/" + fileName
    }

    private static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Whether `name` may stand in `by=`: ASCII letters, digits and `._@+-`, at most
    /// ``maximumApproverLength`` characters, so the field never holds a space, a control
    /// character or anything else that would change how the line reads.
    public static func isValidApprover(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maximumApproverLength
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._@+-".contains($0)) }
    }

    /// Reads the lock at `path`; no file there is an empty lock.
    ///
    /// - Throws: ``RunbookError`` naming `path:line` for a line that is not a comment, blank or a
    ///   well-formed entry, or for a runbook named twice; naming `path` for a file over
    ///   ``maximumBytes``, not UTF-8, or unreadable.
    public static func read(path: String) throws -> ApprovalLock {
        // A lock reached through a link is read where the link points.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: target)
        } catch {
            guard !FileManager.default.fileExists(atPath: target) else {
                throw RunbookError(.io, "cannot read the approval lock \(path): \(error.localizedDescription)")
            }
            return ApprovalLock(path: path, approvals: [])
        }
        // A folder, a FIFO or a device there is no lock: reading a FIFO would wait for ever.
        guard attributes[.type] as? FileAttributeType == .typeRegular, let handle = FileHandle(forReadingAtPath: path) else {
            throw RunbookError(.io, "cannot read the approval lock \(path): not a regular file")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumBytes + 1) ?? Data() } catch {
            throw RunbookError(.io, "cannot read the approval lock \(path): \(error.localizedDescription)")
        }
        return try parse(data, path: path)
    }

    /// The lock `data` holds, read from `path`; see ``read(path:)``.
    static func parse(_ data: Data, path: String) throws -> ApprovalLock {
        guard data.count <= maximumBytes else {
            throw RunbookError(.invalid, "\(path): the approval lock is over \(maximumBytes >> 20) MiB",
                               hint: "a lock holds one short line per approved runbook; restore it from version control")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RunbookError(.invalid, "\(path): the approval lock is not UTF-8 text")
        }
        var approvals: [String: (approval: Approval, line: Int)] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let approval = try entry(String(line), at: "\(path):\(number)")
            if let earlier = approvals[approval.name] {
                throw RunbookError(.invalid, "\(path):\(number): \(approval.name) is approved already on line \(earlier.line)",
                                   hint: "a runbook has one approved version; delete one of the lines")
            }
            approvals[approval.name] = (approval, number)
        }
        return ApprovalLock(path: path, approvals: approvals.values.map(\.approval).sorted { $0.name < $1.name })
    }

    private static func entry(_ line: String, at location: String) throws -> Approval {
        // A line may be a megabyte long; an error quotes its start.
        func shown(_ field: String) -> String { field.count > 80 ? field.prefix(80) + "…" : field }
        func invalid(_ message: String) -> RunbookError {
            RunbookError(.invalid, "\(location): \(message)",
                         hint: "an entry is NAME VERSION sha256=HEX by=WHO at=YYYY-MM-DDTHH:MM:SSZ, one space apart; `runbook approve NAME` writes it")
        }
        let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5 else { throw invalid("expected 5 fields separated by single spaces, found \(fields.count)") }
        func value(_ index: Int, _ key: String) throws -> String {
            guard fields[index].hasPrefix(key + "=") else { throw invalid("field \(index + 1) must be \(key)=..., not '\(shown(fields[index]))'") }
            return String(fields[index].dropFirst(key.count + 1))
        }
        let name = fields[0]
        guard Runbook.isValidName(name) else { throw invalid("'\(shown(name))' is not a runbook name") }
        guard let version = SemanticVersion(fields[1]) else { throw invalid("'\(shown(fields[1]))' is not a semantic version") }
        let sha256 = try value(2, "sha256")
        guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw invalid("sha256 must be 64 lowercase hex digits")
        }
        let approver = try value(3, "by")
        guard isValidApprover(approver) else {
            throw invalid("by must be 1 to \(maximumApproverLength) of A-Z a-z 0-9 . _ @ + -, not '\(shown(approver))'")
        }
        let time = try value(4, "at")
        guard let approvedAt = UTCTime.date(iso8601Seconds: time) else {
            throw invalid("at must be a UTC time such as 2026-12-02T10:00:00Z, not '\(shown(time))'")
        }
        return Approval(name: name, version: version, sha256: sha256, approvedBy: approver, approvedAt: approvedAt)
    }

    /// Approves `runbook`'s file as it is now, replacing any earlier approval of its name.
    ///
    /// - Throws: ``RunbookError`` when `approver` fails ``isValidApprover(_:)``.
    public mutating func approve(_ runbook: Runbook, by approver: String, at time: Date) throws {
        guard Self.isValidApprover(approver) else {
            throw RunbookError(.invalid, "approver '\(approver)' is not a valid name",
                               hint: "use 1 to \(Self.maximumApproverLength) of A-Z a-z 0-9 . _ @ + -")
        }
        // The lock keeps whole seconds, so the approval in memory equals the one read back.
        let seconds = Date(timeIntervalSince1970: time.timeIntervalSince1970.rounded(.down))
        approvals.removeAll { $0.name == runbook.name }
        approvals.append(Approval(name: runbook.name, version: runbook.version, sha256: runbook.sha256,
                                  approvedBy: approver, approvedAt: seconds))
        approvals.sort { $0.name < $1.name }
    }

    /// The lock's text: the header, then one line per approval.
    var text: String {
        Self.header + approvals.map { approval in
            "\(approval.name) \(approval.version) sha256=\(approval.sha256) by=\(approval.approvedBy) at=\(UTCTime.iso8601Seconds(approval.approvedAt))\n"
        }.joined()
    }

    /// Writes the lock to ``path`` atomically: a reader, or an automated run, sees the old lock
    /// or the new one, never part of either.
    public func write() throws {
        let temporary = "\(path).\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw RunbookError(.io, "cannot write \(temporary)", hint: "check that the folder of \(path) exists and is writable")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw RunbookError(.io, "cannot replace \(path): \(reason)")
        }
    }

    /// What this lock says of `runbook`'s file.
    public func status(of runbook: Runbook) -> ApprovalStatus {
        guard let approval = approvals.first(where: { $0.name == runbook.name }) else { return .notApproved }
        return approval.approves(runbook) ? .approved(approval) : .changed(approval)
    }

    /// Whether `runbook`'s file is approved for automated runs, by the lock beside it: the one
    /// check an automated run makes before it starts.
    ///
    /// - Parameter directories: the search folders the runbook was found in.
    /// - Throws: ``RunbookError`` when the lock cannot be read or is malformed.
    public static func approvalStatus(of runbook: Runbook, directories: [String]) throws -> ApprovalStatus {
        try read(path: path(forRunbookFile: runbook.file, directories: directories)).status(of: runbook)
    }
}

/// The entries of the locks of some folders, each judged against the runbooks of its folder:
/// what `runbook approvals` lists and `runbook validate` checks.
public struct ApprovalReview: Sendable {
    /// What became of an approved runbook.
    public enum State: Sendable {
        /// The file is the one approved.
        case approved
        /// The runbook has another version or other bytes now.
        case changed(Runbook)
        /// No runbook of the folder has the approved name.
        case missing
    }

    /// One entry of a lock and its state.
    public struct Entry: Sendable {
        /// The lock's entry.
        public let approval: Approval
        /// What the runbooks say of it.
        public let state: State
    }

    /// The lock's file.
    public let lock: String
    /// Its entries, sorted by name, or why the lock cannot be read.
    public let entries: Result<[Entry], RunbookError>

    /// The review of the lock of each folder in `directories`, against the catalog's `runbooks`;
    /// a lock governs the runbooks whose ``ApprovalLock/path(forRunbookFile:directories:)`` it is.
    /// Paths in `directories` that are files have no lock of their own.
    public static func of(directories: [String], runbooks: [RunbookCatalog.Entry]) -> [ApprovalReview] {
        let folders = directories.filter { directory in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue
        }
        var seen: Set<String> = []
        let loaded = runbooks.compactMap { try? $0.result.get() }
        return folders.map(ApprovalLock.path(inFolder:)).filter { seen.insert($0).inserted }.map { path in
            ApprovalReview(lock: path, entries: Result {
                let approvals = try ApprovalLock.read(path: path).approvals
                // Worked out only for a lock with entries: most folders have none, and a catalog may be large.
                let governed = approvals.isEmpty ? [:] : Dictionary(
                    loaded.filter { ApprovalLock.path(forRunbookFile: $0.file, directories: directories) == path }.map { ($0.name, $0) },
                    uniquingKeysWith: { first, _ in first })
                return approvals.map { approval in
                    guard let runbook = governed[approval.name] else { return Entry(approval: approval, state: .missing) }
                    return Entry(approval: approval, state: approval.approves(runbook) ? .approved : .changed(runbook))
                }
            }.mapError { $0 as? RunbookError ?? RunbookError(.io, "\(path): \($0)") })
        }
    }
}

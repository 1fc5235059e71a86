import Foundation
import Synchronization

/// Writes each event as one JSON line, flushed as it happens: a run killed midway
/// leaves every line it finished writing readable.
public final class JournalFile: JournalSink {
    /// Where the journal is written.
    public let path: String
    private let ownsDescriptor: Bool
    private let state: Mutex<(fd: Int32, failure: String?)>
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Opens (creating folders as needed) a journal at `path`.
    ///
    /// - Throws: ``RunbookError`` when the file cannot be created.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RunbookError(.io, "cannot write the journal \(path): \(String(cString: strerror(errno)))",
                               hint: "pass --journal PATH to write it elsewhere")
        }
        state = Mutex((fd, nil))
        ownsDescriptor = true
    }

    /// Writes the journal to an open descriptor (`--json` uses standard output), which
    /// stays open afterwards.
    public init(descriptor: Int32, name: String) {
        path = name
        state = Mutex((descriptor, nil))
        ownsDescriptor = false
    }

    deinit { if ownsDescriptor { state.withLock { if $0.fd >= 0 { close($0.fd) } } } }

    public func record(_ event: JournalEvent) {
        guard var line = try? encoder.encode(event) else { return }
        line.append(UInt8(ascii: "\n"))
        state.withLock { state in
            guard state.fd >= 0, state.failure == nil else { return }
            // One write per line: the kernel appends it whole, and nothing sits in a buffer.
            let written = line.withUnsafeBytes { write(state.fd, $0.baseAddress, $0.count) }
            if written != line.count { state.failure = String(cString: strerror(errno)) }
        }
    }

    public func finish() throws {
        let failure = state.withLock { state -> String? in
            if ownsDescriptor, state.fd >= 0 { close(state.fd) }
            state.fd = -1
            return state.failure
        }
        if let failure { throw RunbookError(.io, "journal \(path) is incomplete: \(failure)") }
    }

    /// Reads a journal back; lines that do not parse (a torn last line) are skipped.
    public static func read(path: String) throws -> [JournalEvent] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunbookError(.notFound, "no journal at \(path)")
        }
        let decoder = JSONDecoder()
        let lines = data.split(separator: UInt8(ascii: "\n"))
        let events = lines.compactMap { try? decoder.decode(JournalEvent.self, from: Data($0)) }
        // One torn line is a run killed midway; a file where nothing parses is not a journal at all.
        guard !events.isEmpty || lines.isEmpty else {
            throw RunbookError(.invalid, "\(path) is not a runbook journal: none of its \(lines.count) lines is a journal event")
        }
        return events
    }
}

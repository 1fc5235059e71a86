internal import CSQLiteShim
import Foundation

/// A value bound to a statement's parameter or read from a row.
enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// Text, or NULL for nil.
    init(_ text: String?) {
        self = text.map(SQLiteValue.text) ?? .null
    }
}

/// One connection to a SQLite file, used by one thread at a time (its owner serializes).
///
/// Values only ever reach SQL as bound parameters. Every failure is a ``RunbookError`` that
/// names the file.
final class SQLiteDatabase {
    /// The file.
    let path: String
    private let connection: OpaquePointer

    /// How long a statement waits for another connection's write lock before failing.
    static let busyTimeoutMilliseconds: Int32 = 10_000

    /// Opens `path`, creating it (mode 0600) and its folders when missing, in WAL mode, so that
    /// readers never wait for a writer and writers wait for each other up to the busy timeout.
    init(path: String) throws {
        if let failure = csqlite_load() {
            throw RunbookError(.io, "cannot open \(path): \(String(cString: failure))")
        }
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        // Created here rather than by SQLite, which would use 0644; its -wal and -shm files copy this mode.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RunbookError(.io, "cannot open \(path): \(String(cString: strerror(errno)))",
                               hint: "its folder must exist or be creatable, and be writable")
        }
        close(fd)
        var handle: OpaquePointer?
        let code = csqlite_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, &handle)
        guard code == SQLITE_OK, let handle else {
            let why = handle.map { String(cString: csqlite_errmsg($0)) } ?? String(cString: csqlite_errstr(code))
            if let handle { _ = csqlite_close(handle) }
            throw RunbookError(.io, "cannot open \(path): \(why)")
        }
        connection = handle
        _ = csqlite_extended_result_codes(handle, 1)
        _ = csqlite_busy_timeout(handle, Self.busyTimeoutMilliseconds)
        // The first statement that reads the file: a file that is not a database fails here.
        // Switching a new file to WAL takes its lock without waiting in the busy handler, so
        // connections opening it at once wait here, as long as the busy handler would.
        let deadline = ContinuousClock.now + .milliseconds(Self.busyTimeoutMilliseconds)
        var wal = csqlite_exec(handle, "PRAGMA journal_mode = WAL")
        while wal & 0xff == SQLITE_BUSY && ContinuousClock.now < deadline {
            usleep(2_000)
            wal = csqlite_exec(handle, "PRAGMA journal_mode = WAL")
        }
        guard wal == SQLITE_OK else { throw failure(wal) }
    }

    deinit { _ = csqlite_close(connection) }

    /// Creates the schema on a new file, in one transaction so that two processes opening a new
    /// file at once do not both create it; refuses a file written by a newer schema.
    func prepareSchema(version: Int64, _ schema: String) throws {
        try transaction {
            let found = try rows("PRAGMA user_version").first?.integer(0) ?? 0
            if found > version {
                throw RunbookError(.invalid, "\(path) has schema version \(found); this runbook knows versions up to \(version)",
                                   hint: "use the runbook release that wrote it, or move the file away")
            }
            if found == 0 {
                try exec(schema + "\nPRAGMA user_version = \(version);")
            }
        }
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: it takes the write lock at once, so
    /// transactions of several connections run one after the other (waiting up to the busy
    /// timeout) and what `body` read is still true when it writes. Rolled back if `body` throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try exec("COMMIT")
            return result
        } catch {
            _ = csqlite_exec(connection, "ROLLBACK")
            throw error
        }
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        try withStatement(sql, values) { statement in
            while try step(statement) {}
            return Int(csqlite_changes(connection))
        }
    }

    /// The rows of a query.
    func rows(_ sql: String, _ values: [SQLiteValue] = []) throws -> [SQLiteRow] {
        try withStatement(sql, values) { statement in
            var rows: [SQLiteRow] = []
            let columns = csqlite_column_count(statement)
            while try step(statement) {
                rows.append(SQLiteRow(path: path, values: (0..<columns).map { column(statement, $0) }))
            }
            return rows
        }
    }

    private func exec(_ sql: String) throws {
        let code = csqlite_exec(connection, sql)
        guard code == SQLITE_OK else { throw failure(code) }
    }

    private func withStatement<T>(_ sql: String, _ values: [SQLiteValue], _ body: (OpaquePointer) throws -> T) throws -> T {
        var prepared: OpaquePointer?
        let code = csqlite_prepare(connection, sql, &prepared)
        guard code == SQLITE_OK, let statement = prepared else { throw failure(code) }
        defer { _ = csqlite_finalize(statement) }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32 = switch value {
            case .null: csqlite_bind_null(statement, index)
            case .integer(let integer): csqlite_bind_int64(statement, index, integer)
            case .real(let real): csqlite_bind_double(statement, index, real)
            case .text(let text):
                // Callers cap their texts far below this; a longer one is refused, never cut.
                if let length = Int32(exactly: text.utf8.count) {
                    text.withCString { csqlite_bind_text(statement, index, $0, length) }
                } else {
                    SQLITE_TOOBIG
                }
            }
            guard code == SQLITE_OK else { throw failure(code) }
        }
        return try body(statement)
    }

    /// True when `statement` produced a row, false when it finished.
    private func step(_ statement: OpaquePointer) throws -> Bool {
        let code = csqlite_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw failure(code)
        }
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteValue {
        switch csqlite_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(csqlite_column_int64(statement, index))
        case SQLITE_FLOAT: return .real(csqlite_column_double(statement, index))
        case SQLITE_NULL: return .null
        default:
            // Text, or a blob read as its bytes: the pointer comes before the length, as SQLite asks.
            guard let text = csqlite_column_text(statement, index) else { return .null }
            let count = Int(csqlite_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }

    /// The error of a failed call, named for a person: what is wrong with which file.
    private func failure(_ code: Int32) -> RunbookError {
        let message = String(cString: csqlite_errmsg(connection))
        switch code & 0xff {
        case SQLITE_NOTADB:
            return RunbookError(.invalid, "\(path) is not a SQLite database", hint: "move it away, or use another file")
        case SQLITE_CORRUPT:
            return RunbookError(.invalid, "\(path) is a damaged SQLite database: \(message)", hint: "move it away, or use another file")
        case SQLITE_BUSY, SQLITE_LOCKED:
            return RunbookError(.io, "\(path) is locked by another process: \(message)",
                                hint: "another runbook process kept it locked for over \(Self.busyTimeoutMilliseconds / 1000) s")
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR, SQLITE_FULL:
            return RunbookError(.io, "cannot write \(path): \(message)",
                                hint: "the file and its folder must be writable: SQLite keeps \(path)-wal and -shm next to it")
        default:
            return RunbookError(.io, "\(path): \(message) (SQLite error \(code))")
        }
    }
}

/// One row of a query, read by column index; a value of an unexpected type is an error naming
/// the file, not a trap, since the file may have been written by something else.
struct SQLiteRow {
    let path: String
    let values: [SQLiteValue]

    func text(_ column: Int) throws -> String {
        guard case .text(let text) = try value(column) else { throw unexpected(column) }
        return text
    }

    func optionalText(_ column: Int) throws -> String? {
        if case .null = try value(column) { return nil }
        return try text(column)
    }

    func integer(_ column: Int) throws -> Int64 {
        guard case .integer(let integer) = try value(column) else { throw unexpected(column) }
        return integer
    }

    func int(_ column: Int) throws -> Int {
        guard let int = Int(exactly: try integer(column)) else { throw unexpected(column) }
        return int
    }

    func real(_ column: Int) throws -> Double {
        switch try value(column) {
        case .real(let real) where real.isFinite: return real
        case .integer(let integer): return Double(integer)
        default: throw unexpected(column)
        }
    }

    /// A time stored as epoch seconds.
    func date(_ column: Int) throws -> Date {
        Date(timeIntervalSince1970: try real(column))
    }

    private func value(_ column: Int) throws -> SQLiteValue {
        guard values.indices.contains(column) else { throw unexpected(column) }
        return values[column]
    }

    private func unexpected(_ column: Int) -> RunbookError {
        let found = values.indices.contains(column) ? "\(values[column])" : "nothing"
        return RunbookError(.invalid, "\(path) holds \(found) where runbook wrote something else (column \(column))",
                            hint: "move it away, or use another file")
    }
}

// DESIGN: the store reaches SQLite through CSQLiteShim, which opens Debian's libsqlite3 with
// dlopen at the first use, rather than through GRDB.swift or another wrapper (the issue asked
// why). A dozen statements need no ORM nor query builder; GRDB would add minutes of build to
// every CI run and link SQLite into every start of the binary, while dlopen keeps `runbook run`,
// which never admits through guardrails, from mapping it, as with libcurl and libxml2.
public import Foundation
import Synchronization

/// The guardrails' state on one machine, in one SQLite file shared by every `runbook` process
/// of the user (``defaultPath(environment:)``).
///
/// Each store keeps one connection, used under a lock: calls of one process wait for each other
/// in memory, and calls of several processes (or several stores) wait for each other on SQLite's
/// write lock, which every call that reads before it writes takes at once (`BEGIN IMMEDIATE`),
/// for up to 10 seconds. They wait on a dispatch thread, not one of Swift's concurrency pool.
///
/// Times are epoch seconds. Expired deduplication keys and cooldowns, and mutations older than
/// the longest budget window, are deleted by ``admit(_:at:)`` as it goes.
public final class SQLiteGuardrailStore: GuardrailStore {
    /// The file.
    public let path: String
    private let database: Mutex<SQLiteDatabase>
    /// This machine, as leases name their holder: a lease of another host is never reclaimed by its process id.
    private let host = LeaseHolder.current.host

    /// The most bytes of an identifier (target, runbook, run id, event key, journal, host) the
    /// store accepts, and of a free text (a reason) it keeps. SQLite's keys have no size limit of
    /// their own, so identifiers may be longer than DynamoDB's keys take
    /// (``DynamoDBGuardrailStore/maximumKeyText``).
    public static let maximumText = 4096
    /// The most decisions ``decisions(limit:)`` returns.
    public static let maximumDecisions = 10_000

    static let schemaVersion: Int64 = 1

    /// Opens the store at `path`, creating the file and its folders on first use.
    ///
    /// - Throws: ``RunbookError`` when the file cannot be created or written, is not a SQLite
    ///   database, or was written by a newer schema.
    public init(path: String) throws {
        let database = try SQLiteDatabase(path: path)
        try database.prepareSchema(version: Self.schemaVersion, Self.schema)
        self.path = path
        self.database = Mutex(database)
    }

    /// `$XDG_STATE_HOME/runbook/state.db`, next to the journals' folder.
    public static func defaultPath(environment: [String: String]) -> String {
        StateDirectory.path(environment: environment) + "/state.db"
    }

    // Leases keep the cooldown seconds, so that a release restarts the cooldown without being told it.
    private static let schema = """
        CREATE TABLE pause (id INTEGER PRIMARY KEY CHECK (id = 1), reason TEXT, paused_by TEXT, since REAL NOT NULL) STRICT;
        CREATE TABLE leases (target TEXT PRIMARY KEY, run_id TEXT NOT NULL, runbook TEXT NOT NULL, journal TEXT NOT NULL,
            host TEXT NOT NULL, pid INTEGER NOT NULL, started REAL NOT NULL, expires REAL NOT NULL, cooldown REAL NOT NULL,
            mutations INTEGER NOT NULL) STRICT;
        CREATE TABLE cooldowns (runbook TEXT NOT NULL, target TEXT NOT NULL, until REAL NOT NULL, PRIMARY KEY (runbook, target)) STRICT;
        CREATE TABLE mutations (target TEXT NOT NULL, run_id TEXT NOT NULL, at REAL NOT NULL) STRICT;
        CREATE INDEX mutations_by_target ON mutations (target, at);
        CREATE TABLE dedup (event_key TEXT PRIMARY KEY, run_id TEXT NOT NULL, first_seen REAL NOT NULL, expires REAL NOT NULL) STRICT;
        CREATE TABLE holds (target TEXT PRIMARY KEY, run_id TEXT NOT NULL, runbook TEXT NOT NULL, journal TEXT NOT NULL,
            mutations INTEGER NOT NULL, started REAL NOT NULL) STRICT;
        CREATE TABLE decisions (id TEXT NOT NULL, time REAL NOT NULL, source TEXT NOT NULL, event_id TEXT NOT NULL, runbook TEXT,
            target TEXT, outcome TEXT NOT NULL, reason TEXT NOT NULL, journal TEXT NOT NULL) STRICT;
        CREATE INDEX decisions_by_time ON decisions (time);
        """

    /// Stops every automated run until ``resume()``; pausing again keeps the first pause's time.
    public func pause(reason: String?, by: String?, at: Date) async throws {
        let since = try seconds(at)
        try await locked { database in
            _ = try database.run("""
                INSERT INTO pause (id, reason, paused_by, since) VALUES (1, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET reason = excluded.reason, paused_by = excluded.paused_by
                """, [SQLiteValue(reason.map(Self.capped)), SQLiteValue(by.map(Self.capped)), .real(since)])
        }
    }

    /// Lifts the pause; false when nothing was paused.
    public func resume() async throws -> Bool {
        try await locked { try $0.run("DELETE FROM pause") > 0 }
    }

    /// The pause in force, if any.
    public func pauseState() async throws -> PauseState? {
        try await locked { try Self.pauseState($0) }
    }

    private static func pauseState(_ database: SQLiteDatabase) throws -> PauseState? {
        try database.rows("SELECT reason, paused_by, since FROM pause WHERE id = 1").first.map {
            PauseState(reason: try $0.optionalText(0), by: try $0.optionalText(1), since: try $0.date(2))
        }
    }

    /// Decides in one `BEGIN IMMEDIATE` transaction, in the order of ``GuardrailStore/admit(_:at:)``.
    /// An expired lease counts as absent, unless its run had sent a mutation: then the target is
    /// refused as held, as ``reclaimExpiredLeases(at:)`` will hold it. A dry run's lease has
    /// `mutationsLeft` 0, since it sends none.
    ///
    /// - Throws: ``RunbookError`` when the request has a number out of range or an identifier
    ///   longer than ``maximumText``, or the file cannot be written.
    public func admit(_ request: AdmissionRequest, at: Date) async throws -> Admission {
        let now = try seconds(at)
        try request.check(maximumText: Self.maximumText)
        return try await locked { database in
            try database.transaction {
                try Self.purge(database, now: now)
                if let refusal = try Self.refusal(database, request, now: now) { return .refused(refusal) }
                let used = try request.live ? Self.mutations(database, target: request.target, since: now - request.window) : 0
                if request.live && used >= request.maxMutations {
                    return .refused(.budgetSpent(used: used, max: request.maxMutations, window: request.window))
                }
                let expires = now + request.leaseSeconds
                try database.run("""
                    INSERT OR REPLACE INTO leases (target, run_id, runbook, journal, host, pid, started, expires, cooldown, mutations)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                    """, [.text(request.target), .text(request.runID), .text(request.runbook), .text(request.journal),
                          .text(request.holder.host), .integer(Int64(request.holder.pid)), .real(now), .real(expires),
                          .real(request.cooldown)])
                try Self.startCooldown(database, runbook: request.runbook, target: request.target, until: now + request.cooldown)
                if let key = request.eventKey {
                    try database.run("INSERT OR REPLACE INTO dedup (event_key, run_id, first_seen, expires) VALUES (?, ?, ?, ?)",
                                     [.text(key), .text(request.runID), .real(now), .real(now + request.dedupSeconds)])
                }
                let left = request.live ? request.maxMutations - used : 0
                return .admitted(Lease(target: request.target, runID: request.runID, expires: Date(timeIntervalSince1970: expires),
                                       mutationsLeft: left))
            }
        }
    }

    /// The first guardrail before the budget that refuses the request, if any.
    private static func refusal(_ database: SQLiteDatabase, _ request: AdmissionRequest, now: Double) throws -> Refusal? {
        if let pause = try pauseState(database) { return .paused(pause) }
        if let key = request.eventKey,
           let row = try database.rows("SELECT run_id, first_seen FROM dedup WHERE event_key = ? AND expires > ?",
                                       [.text(key), .real(now)]).first {
            return .duplicate(eventKey: key, runID: try row.text(0), firstSeen: try row.date(1))
        }
        if let row = try database.rows("SELECT run_id, runbook, journal, mutations, started FROM holds WHERE target = ?",
                                       [.text(request.target)]).first {
            return .held(try interruptedRun(row, target: request.target))
        }
        if let row = try database.rows("SELECT run_id, runbook, journal, mutations, started, expires FROM leases WHERE target = ?",
                                       [.text(request.target)]).first {
            let expires = try row.real(5)
            if expires > now {
                return .leaseHeld(runID: try row.text(0), runbook: try row.text(1), expires: Date(timeIntervalSince1970: expires))
            }
            if try row.int(3) > 0 { return .held(try interruptedRun(row, target: request.target)) }
        }
        if let row = try database.rows("SELECT until FROM cooldowns WHERE runbook = ? AND target = ? AND until > ?",
                                       [.text(request.runbook), .text(request.target), .real(now)]).first {
            return .coolingDown(until: try row.date(0))
        }
        return nil
    }

    /// Live mutations sent to `target` after `since`.
    private static func mutations(_ database: SQLiteDatabase, target: String, since: Double) throws -> Int {
        try database.rows("SELECT count(*) FROM mutations WHERE target = ? AND at > ?", [.text(target), .real(since)]).first?.int(0) ?? 0
    }

    /// A cooldown never moves earlier: a run released before another's cooldown ends leaves the later end.
    private static func startCooldown(_ database: SQLiteDatabase, runbook: String, target: String, until: Double) throws {
        try database.run("""
            INSERT INTO cooldowns (runbook, target, until) VALUES (?, ?, ?)
            ON CONFLICT (runbook, target) DO UPDATE SET until = max(until, excluded.until)
            """, [.text(runbook), .text(target), .real(until)])
    }

    private static func purge(_ database: SQLiteDatabase, now: Double) throws {
        try database.run("DELETE FROM dedup WHERE expires <= ?", [.real(now)])
        try database.run("DELETE FROM cooldowns WHERE until <= ?", [.real(now)])
        try database.run("DELETE FROM mutations WHERE at <= ?", [.real(now - RunbookAutomation.windowRange.upperBound)])
    }

    /// Counts one mutating call against the target's budget and the run's lease, in one
    /// transaction, before the call is sent.
    ///
    /// - Throws: ``RunbookError`` when the run does not hold the target's lease, unexpired: it
    ///   ended, it expired, or another run took it, and the call must not be sent, since another
    ///   run may be changing the target.
    public func recordMutation(runID: String, target: String, at: Date) async throws {
        let now = try seconds(at)
        try AdmissionRequest.checkIdentifier(runID, "run id", maximumText: Self.maximumText)
        try AdmissionRequest.checkIdentifier(target, "target", maximumText: Self.maximumText)
        try await locked { database in
            try database.transaction {
                let counted = try database.run("UPDATE leases SET mutations = mutations + 1 WHERE target = ? AND run_id = ? AND expires > ?",
                                               [.text(target), .text(runID), .real(now)])
                guard counted > 0 else { throw AdmissionRequest.leaseNotHeld(runID: runID, target: target) }
                try database.run("INSERT INTO mutations (target, run_id, at) VALUES (?, ?, ?)", [.text(target), .text(runID), .real(now)])
            }
        }
    }

    /// Ends the run's lease and restarts its cooldown from `at`; does nothing when the run no
    /// longer holds the lease (it expired and was reclaimed, or another run took it).
    public func release(runID: String, target: String, at: Date) async throws {
        let now = try seconds(at)
        try await locked { database in
            try database.transaction {
                guard let row = try database.rows("SELECT runbook, cooldown FROM leases WHERE target = ? AND run_id = ?",
                                                  [.text(target), .text(runID)]).first else { return }
                try database.run("DELETE FROM leases WHERE target = ? AND run_id = ?", [.text(target), .text(runID)])
                let cooldown = try row.real(1)
                try Self.startCooldown(database, runbook: try row.text(0), target: target, until: now + cooldown)
            }
        }
    }

    /// Removes leases that expired, or whose holder was a process of this host that no longer
    /// exists, in one transaction: of two processes reclaiming at once, one returns a run and the
    /// other does not see it.
    public func reclaimExpiredLeases(at: Date) async throws -> [InterruptedRun] {
        let now = try seconds(at)
        let host = self.host
        return try await locked { database in
            try database.transaction {
                var interrupted: [InterruptedRun] = []
                let rows = try database.rows("SELECT run_id, runbook, journal, mutations, started, expires, target, host, pid FROM leases")
                for row in rows {
                    let expired = try row.real(5) <= now
                    let holderGone = try row.text(7) == host && Self.processIsGone(try row.integer(8))
                    guard expired || holderGone else { continue }
                    let run = try Self.interruptedRun(row, target: try row.text(6))
                    try database.run("DELETE FROM leases WHERE target = ? AND run_id = ?", [.text(run.target), .text(run.runID)])
                    if run.mutations > 0 {
                        // A hold already there stays: it is the first half-done run a person must look at.
                        try database.run("""
                            INSERT INTO holds (target, run_id, runbook, journal, mutations, started) VALUES (?, ?, ?, ?, ?, ?)
                            ON CONFLICT (target) DO NOTHING
                            """, [.text(run.target), .text(run.runID), .text(run.runbook), .text(run.journal),
                                  .integer(Int64(run.mutations)), .real(run.started.timeIntervalSince1970)])
                    }
                    interrupted.append(run)
                }
                return interrupted
            }
        }
    }

    /// True only when `pid` names no process at all; a process of another user still counts
    /// (EPERM), and a number that is no single process's id (0, negative, too large) is never gone,
    /// since kill would signal a group or fail for another reason.
    private static func processIsGone(_ pid: Int64) -> Bool {
        guard let pid = Int32(exactly: pid), pid > 0 else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Reads run_id, runbook, journal, mutations and started from the first five columns.
    private static func interruptedRun(_ row: SQLiteRow, target: String) throws -> InterruptedRun {
        InterruptedRun(runID: try row.text(0), runbook: try row.text(1), target: target, journal: try row.text(2),
                       mutations: try row.int(3), started: try row.date(4))
    }

    /// Lifts the hold an interrupted run put on `target`; false when there was none.
    public func clearHold(target: String) async throws -> Bool {
        try AdmissionRequest.checkIdentifier(target, "target", maximumText: Self.maximumText)
        return try await locked { try $0.run("DELETE FROM holds WHERE target = ?", [.text(target)]) > 0 }
    }

    /// Adds a decision to the index, each text cut to ``maximumText`` bytes: a decision is
    /// recorded even when an event carried an overlong field.
    public func record(_ decision: DecisionRecord) async throws {
        let time = try seconds(decision.time)
        try await locked { database in
            _ = try database.run("""
                INSERT INTO decisions (id, time, source, event_id, runbook, target, outcome, reason, journal)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(Self.capped(decision.id)), .real(time), .text(Self.capped(decision.source)),
                      .text(Self.capped(decision.eventID)), SQLiteValue(decision.runbook.map(Self.capped)),
                      SQLiteValue(decision.target.map(Self.capped)), .text(Self.capped(decision.outcome)),
                      .text(Self.capped(decision.reason)), .text(Self.capped(decision.journal))])
        }
    }

    /// The latest decisions, newest first; `limit` is taken within 0...``maximumDecisions``.
    public func decisions(limit: Int) async throws -> [DecisionRecord] {
        let limit = min(max(limit, 0), Self.maximumDecisions)
        return try await locked { database in
            try database.rows("""
                SELECT id, time, source, event_id, runbook, target, outcome, reason, journal FROM decisions
                ORDER BY time DESC, rowid DESC LIMIT ?
                """, [.integer(Int64(limit))]).map {
                DecisionRecord(id: try $0.text(0), time: try $0.date(1), source: try $0.text(2), eventID: try $0.text(3),
                               runbook: try $0.optionalText(4), target: try $0.optionalText(5), outcome: try $0.text(6),
                               reason: try $0.text(7), journal: try $0.text(8))
            }
        }
    }

    /// Runs `body` with the connection on a dispatch thread: waiting for SQLite's lock, up to the
    /// busy timeout, must not hold one of the few threads of Swift's concurrency pool.
    private func locked<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.database.withLock { try body($0) } })
            }
        }
    }

    // MARK: Checks of what callers pass

    /// Epoch seconds of a time passed in, refused when not finite.
    private func seconds(_ date: Date) throws -> Double {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else { throw RunbookError(.invalid, "the guardrail store was given the time \(seconds)") }
        return seconds
    }

    /// A free text as the store keeps it; named, so that the many `map(Self.capped)` stay short.
    private static func capped(_ text: String) -> String { text.capped(to: maximumText) }
}

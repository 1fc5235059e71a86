public import LuaKit

/// One line of a run's journal (JSON Lines, schema version ``JournalEvent/schemaVersion``).
///
/// Every line has `v`, `event`, `time` and `run`; the other fields belong to the event
/// kind that uses them and are left out otherwise. A dry run and a live run write the
/// same events, so the two journals can be compared line by line.
public struct JournalEvent: Codable, Sendable, Equatable {
    /// The schema version written in every line's `v`.
    public static let schemaVersion = 1

    /// What happened.
    public enum Kind: String, Codable, Sendable {
        case runStarted = "run_started"
        case stepStarted = "step_started"
        case stepRetry = "step_retry"
        case stepFinished = "step_finished"
        case call
        case log
        case finding
        /// A table a runbook shows (`summary_table`).
        case table
        case runFinished = "run_finished"
        /// What an alarm event led to: the runbook chosen, its guardrails, and whether it ran.
        /// The first line of an automated run's journal, or the only line when nothing ran.
        case decision
    }

    public var v = JournalEvent.schemaVersion
    public var event: Kind
    /// ISO 8601 UTC with milliseconds.
    public var time: String
    /// The run id.
    public var run: String

    // run_started
    public var runbook: String?
    public var version: String?
    public var sha256: String?
    public var file: String?
    /// "live" or "dry-run".
    public var mode: String?
    public var params: LuaValue?
    public var trigger: LuaValue?
    public var engine: String?

    // steps
    public var step: Int?
    public var parent: Int?
    public var name: String?
    /// ok, failed, timed_out, stopped (step_finished); ok, failed, stopped, invalid (run_finished).
    public var status: String?
    public var attempt: Int?
    public var durationMs: Double?
    public var result: LuaValue?
    public var error: String?
    public var location: String?

    // call
    public var service: String?
    public var operation: String?
    /// read, probe or mutate.
    public var effect: String?
    /// True when a dry run planned the call instead of sending it.
    public var planned: Bool?
    public var request: LuaValue?
    public var requestId: String?
    /// The HTTP status of one attempt of a call.
    public var httpStatus: Int?
    /// The wait before the next attempt of a call, when it will be retried.
    public var retryAfterMs: Double?
    /// The page of a paginated call an attempt asked for (1 for the first); the request
    /// recorded is the first page's.
    public var page: Int?
    /// The input token of that page as sent, for pages after the first.
    public var pageToken: String?

    // log and finding
    public var level: String?
    public var message: String?
    public var severity: String?
    public var summary: String?
    public var detail: LuaValue?
    /// A finding's stable code (`broker-unreachable`), which tests and alarm routing rely on.
    public var code: String?

    // table (its title is `name`)
    public var columns: [String]?
    public var rows: [[String]]?

    // decision (the alarm's name is `name`; the chosen runbook `runbook`; the run's mode `mode`)
    /// `cloudwatch` or `alertmanager`.
    public var source: String?
    /// The event's deduplication key as it arrived (EventBridge id, SNS MessageId, fingerprint@startsAt).
    public var eventId: String?
    /// Every trigger that matched, the chosen one first.
    public var matches: [DecisionMatch]?
    /// The value of the runbook's `automation.target` (`cluster_name=demo`).
    public var target: String?
    /// `run`, `refused`, `invalid`, `no_match` or `resolved`.
    public var outcome: String?
    /// Each guardrail in the order checked, and what it said.
    public var guardrails: [GuardrailOutcome]?

    // run_finished
    public var exitCode: Int32?
    public var reason: String?
    public var traceback: String?
    public var findings: Int?
    public var plannedActions: Int?

    /// An event of `kind` for `run` at `time`; set the other fields as the kind needs.
    public init(_ kind: Kind, run: String, time: String) {
        self.event = kind
        self.run = run
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case v, event, time, run, runbook, version, sha256, file, mode, params, trigger, engine
        case step, parent, name, status, attempt
        case durationMs = "duration_ms"
        case result, error, location, service, operation
        case effect = "class"
        case planned, request
        case requestId = "request_id"
        case httpStatus = "http_status"
        case retryAfterMs = "retry_after_ms"
        case page
        case pageToken = "page_token"
        case level, message, severity, summary, detail, code, columns, rows
        case exitCode = "exit_code"
        case reason, traceback, findings
        case plannedActions = "planned_actions"
        case source
        case eventId = "event_id"
        case matches, target, outcome, guardrails
    }
}

/// A trigger that matched an event, in a decision.
public struct DecisionMatch: Codable, Sendable, Equatable {
    public var runbook: String
    /// The trigger's position in the runbook's `triggers`, from 1.
    public var trigger: Int
    /// How many of the trigger's constraints the event met.
    public var constraints: Int

    public init(runbook: String, trigger: Int, constraints: Int) {
        self.runbook = runbook
        self.trigger = trigger
        self.constraints = constraints
    }
}

/// One guardrail's verdict, in a decision.
public struct GuardrailOutcome: Codable, Sendable, Equatable {
    /// `approval`, `pause`, `duplicate`, `hold`, `lease`, `cooldown` or `budget`.
    public var check: String
    /// `ok`, `refused` or `skipped` (a dry run has no budget to spend).
    public var verdict: String
    /// What it found, for a person.
    public var detail: String?

    public init(check: String, verdict: String, detail: String? = nil) {
        self.check = check
        self.verdict = verdict
        self.detail = detail
    }
}

public import LuaKit

/// How a run ended, as the journal's `run_finished` line says it.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    /// Every step passed.
    case ok
    /// A step failed, or the runbook called `fail`.
    case failed
    /// A limit ended it: time, memory, instructions, cancel.
    case stopped
    /// It could not run: bad parameters, a broken file, no region or credentials.
    case invalid
    /// Its process died before it finished: written afterwards, by the next automated start
    /// that found its lease expired.
    case interrupted
}

/// How a step ended, as the journal's `step_finished` line says it.
public enum StepStatus: String, Sendable, Codable, CaseIterable {
    /// Its body returned.
    case ok
    /// Its body raised an error on the last attempt.
    case failed
    /// Its last attempt ran past the step's timeout.
    case timedOut = "timed_out"
    /// A limit of the whole run ended it.
    case stopped
}

/// Why a run that did not succeed ended, for the CLI and for people.
public enum RunFailure: Sendable, Equatable {
    /// The runbook called `fail(message)`.
    case failCalled
    /// An error nobody caught.
    case error
    /// A limit of the run.
    case limit(LuaStopReason)
    /// A setting is missing or wrong (no region, no credentials, bad parameters).
    case configuration
}

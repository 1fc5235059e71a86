/// An error the engine reports to a person: what was wrong, where, and what to do.
///
/// Its ``exitStatus`` says how the CLI ends; its text never contains a secret.
public struct RunbookError: Error, Sendable, CustomStringConvertible {
    /// The class of the problem, which decides the exit status.
    public enum Kind: Sendable, Equatable {
        /// The runbook, its parameters or the command line are wrong (exit 2).
        case invalid
        /// A runbook or a past run that does not exist (exit 2).
        case notFound
        /// The engine could not read or write a file it needs (exit 2).
        case io
    }

    /// The class of the problem.
    public let kind: Kind
    /// What was wrong and where (`file:line:` when known).
    public let message: String
    /// What to do about it, when there is something to say.
    public let hint: String?

    /// An error of `kind` with `message` and an optional `hint`.
    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    /// How the CLI exits for this error.
    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        hint.map { "\(message)\n  hint: \($0)" } ?? message
    }
}

/// The exit statuses of DESIGN.md, shared by every way of running a runbook.
public enum ExitStatus: Int32, Sendable, Codable {
    /// The run finished and every step passed.
    case ok = 0
    /// A step failed or the runbook called `fail`.
    case failed = 1
    /// Usage or validation error: bad parameters, a syntax error, an unknown runbook.
    case usage = 2
    /// A limit ended the run: time, memory, instructions or cancel.
    case limit = 3
    /// A guardrail refused the run.
    case refused = 4
}

import ArgumentParser

/// How long the long-running commands (`serve`, `worker`) let runs go on after SIGTERM or SIGINT
/// before cancelling them: one option, one range, for both.
struct GraceOption: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds runs may go on after SIGTERM before they are cancelled: 0 to 3600.", valueName: "seconds"))
    var grace = 30.0

    func validate() throws {
        guard grace.isFinite, (0...3600).contains(grace) else { throw ValidationError("--grace must be 0 to 3600 seconds, not \(grace)") }
    }

    /// The grace as a duration, to the millisecond.
    var duration: Duration { .milliseconds(Int64((grace * 1000).rounded())) }
}

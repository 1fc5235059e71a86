import ArgumentParser
import Foundation
import RunbookEngine

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("runbooks"), help: ArgumentHelp("The folder of runbooks (default: RUNBOOK_PATH, else ./runbooks).", valueName: "dir"))
    var runbooksDirectory: String?

    @Flag(name: .customLong("no-color"), help: "Never colour the output (NO_COLOR does the same).")
    var noColor = false

    /// The folders runbooks are looked up in.
    var directories: [String] {
        RunbookCatalog.searchPath(option: runbooksDirectory, environment: ProcessInfo.processInfo.environment)
    }

    /// The engine, made the one way every command makes it. Without AWS options, AWS
    /// settings come from the environment and the profile alone.
    func engine(aws: AWSOptions? = nil) throws -> Engine {
        do {
            return try Engine(EngineConfiguration(aws: aws?.settings ?? AWSSettings(environment: ProcessInfo.processInfo.environment)))
        } catch {
            throw fail(error)
        }
    }

    /// The runbooks in ``directories``, loaded with the full engine.
    func catalog(aws: AWSOptions? = nil) throws -> RunbookCatalog {
        RunbookCatalog(directories: directories, engine: try engine(aws: aws))
    }

    /// Colour on a terminal only, and never when NO_COLOR is set or --no-color given.
    var useColor: Bool {
        !noColor && ProcessInfo.processInfo.environment["NO_COLOR"] == nil && isatty(STDOUT_FILENO) != 0
    }
}

/// Where journals go by default: $XDG_STATE_HOME/runbook/runs (XDG_STATE_HOME defaults to ~/.local/state).
func journalDirectory() -> String {
    StateDirectory.path(environment: ProcessInfo.processInfo.environment) + "/runs"
}

/// Prints an error a person can act on and returns the exit code for it.
func fail(_ error: RunbookError) -> ExitCode {
    standardError("runbook: error: \(error)\n")
    return ExitCode(error.exitStatus.rawValue)
}

/// The same for any error: a ``RunbookError`` keeps its hint; others (a guardrail store's) are shown as they are.
func fail(_ error: any Error) -> ExitCode {
    if let error = error as? RunbookError { return fail(error) }
    return fail(RunbookError(.io, "\(error)"))
}

import ArgumentParser
import Dispatch
import Foundation
import LuaKit
import RunbookEngine

extension RunbookCLI {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a runbook, live or as a dry run.",
            discussion: """
                A dry run reads and probes live but changes nothing: every mutating call is
                journaled with the exact request it would send, and returns a planned result.

                Examples:
                  runbook run demo.hello --param target=orders --dry-run --report review.md
                  runbook run runbooks/demo/hello.lua --params-file params.json --json
                """
        )

        @OptionGroup var global: GlobalOptions

        @OptionGroup(title: "AWS options") var aws: AWSOptions

        @Argument(help: "A runbook name (demo.hello) or file (runbooks/demo/hello.lua).")
        var runbook: String

        @Option(name: .customLong("param"), help: ArgumentHelp("A parameter as NAME=VALUE; repeat for more. Lists take A,B,C.", valueName: "name=value"))
        var params: [String] = []

        @Option(help: ArgumentHelp("A JSON object of parameter values; --param values win over it.", valueName: "file"))
        var paramsFile: String?

        @Flag(help: "Read and probe live, but plan every mutating call instead of sending it.")
        var dryRun = false

        @Option(help: ArgumentHelp("Write the journal here (default: $XDG_STATE_HOME/runbook/runs/RUN_ID.jsonl).", valueName: "path"))
        var journal: String?

        @Option(help: ArgumentHelp("Also write the run as a Markdown review document.", valueName: "file.md"))
        var report: String?

        @Flag(help: "Print the journal's JSON lines on stdout instead of the human view.")
        var json = false

        @Option(help: ArgumentHelp("Save every AWS answer and probe result, in order and redacted, for stub.replay in a test.", valueName: "file.json"))
        var record: String?

        @Option(help: ArgumentHelp("Stop the run after this many seconds (default: the runbook's limits.timeout, else 3600).", valueName: "seconds"))
        var timeout: Double?

        func validate() throws {
            if let timeout, !RunbookLimits.timeoutRange.contains(timeout) {
                let range = RunbookLimits.timeoutRange
                throw ValidationError("--timeout must be a number of seconds from \(range.lowerBound) to \(Int(range.upperBound)) (7 days), not \(timeout)")
            }
        }

        func run() async throws {
            let catalog = try global.catalog(aws: aws)
            let file: String
            do { file = try catalog.resolve(runbook) } catch let error as RunbookError { throw fail(error) }

            var request = RunRequest(file: file)
            request.arguments = params
            request.paramsFile = paramsFile
            request.dryRun = dryRun
            request.timeout = timeout
            let journalPath = journal ?? "\(journalDirectory())/\(request.runID).jsonl"
            if let report, samePath(report, journalPath) {
                throw fail(RunbookError(.invalid, "--report and --journal are both \(report)", hint: "the report would overwrite the journal; give them different paths"))
            }
            if let record, samePath(record, journalPath) || report.map({ samePath(record, $0) }) == true {
                throw fail(RunbookError(.invalid, "--record is \(record), which the run also writes its journal or report to",
                                        hint: "give the recording a path of its own"))
            }
            var recording: CallRecording?
            if let record {
                do { recording = try CallRecording(path: record) } catch { throw fail(error) }
                request.interceptor = recording
            }
            func discardRecording() { if let record { try? FileManager.default.removeItem(atPath: record) } }
            // Only a journal this run creates is removed when the run is refused: an existing one
            // passed with --journal is appended to, never lost.
            let journalExisted = FileManager.default.fileExists(atPath: journalPath)
            func discardJournal() { if !journalExisted { try? FileManager.default.removeItem(atPath: journalPath) } }
            var sinks: [any JournalSink] = []
            do {
                sinks.append(try JournalFile(path: journalPath))
            } catch let error as RunbookError {
                discardRecording()
                throw fail(error)
            }
            if json {
                sinks.append(JournalFile(descriptor: STDOUT_FILENO, name: "standard output"))
            } else {
                sinks.append(TerminalRenderer(color: global.useColor, write: standardOutput))
            }
            if let report {
                do { sinks.append(try MarkdownReport(path: report)) } catch let error as RunbookError {
                    discardJournal()
                    discardRecording()
                    throw fail(error)
                }
            }

            let signals = cancelOnSignals(request.cancellation)
            let result = await catalog.engine.run(request, sinks: sinks)
            signals.forEach { $0.cancel() }
            if result.runbook == nil {
                // Refused before it started (bad parameters, a broken file): no run, no new journal.
                discardJournal()
                discardRecording()
                standardError("runbook: error: \(result.message ?? "invalid run")\n")
                throw ExitCode(result.exit.rawValue)
            }
            do { try recording?.finish() } catch { throw fail(error) }
            if result.exit == .usage {
                // A configuration problem found mid-run (no region, no credentials): say it where errors go.
                standardError("runbook: error: \(result.message ?? "cannot run")\n")
            }
            if !json {
                var lines = ["journal: \(journalPath)"]
                if let report { lines.append("report: \(report)") }
                standardOutput(lines.joined(separator: "\n") + "\n")
            }
            if result.exit != .ok { throw ExitCode(result.exit.rawValue) }
        }
    }
}

/// Cancels the run on SIGINT, SIGTERM, SIGHUP (the terminal went away) and SIGQUIT: the run
/// stops at its next instruction or wake-up and still writes its closing journal line.
/// Without this, SIGQUIT reached the Swift runtime's crash handler, which printed a crash
/// banner and let the run carry on.
func cancelOnSignals(_ cancellation: LuaCancellation) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM, SIGHUP, SIGQUIT].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { cancellation.cancel() }
        source.resume()
        return source
    }
}

/// Whether two paths name the same file, through `.`/`..` and symbolic links, whether or not it exists yet.
func samePath(_ a: String, _ b: String) -> Bool {
    func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
    return canonical(a) == canonical(b)
}

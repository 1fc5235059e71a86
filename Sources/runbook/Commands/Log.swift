import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Show a past run, or an alarm's decision, from its journal (the last by default).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The run id (default: the last run).")
        var runID: String?

        @Option(help: ArgumentHelp("Read this journal file instead of looking the run up.", valueName: "path"))
        var journal: String?

        @Flag(help: "Print the journal's JSON lines as they are.")
        var json = false

        func run() async throws {
            let path: String
            do { path = try journal ?? locate() } catch let error as RunbookError { throw fail(error) }
            if json {
                guard let data = FileManager.default.contents(atPath: path) else { throw fail(RunbookError(.notFound, "no journal at \(path)")) }
                Output.write(data, to: STDOUT_FILENO)
                return
            }
            let events: [JournalEvent]
            do { events = try JournalFile.read(path: path) } catch let error as RunbookError { throw fail(error) }
            let renderer = TerminalRenderer(color: global.useColor, write: standardOutput)
            for event in events { renderer.record(event) }
            // A decision that started no run ends with the decision.
            if events.contains(where: { $0.event == .runStarted }), !events.contains(where: { $0.event == .runFinished }) {
                standardOutput("\n(the journal ends here: the run did not finish, or is still running)\n")
            }
            standardOutput("journal: \(path)\n")
        }

        private func locate() throws -> String {
            let directory = journalDirectory()
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
            if let runID {
                guard !runID.isEmpty else { throw RunbookError(.invalid, "the run id is empty", hint: "`runbook log` shows the last run") }
                if files.contains("\(runID).jsonl") { return "\(directory)/\(runID).jsonl" }
                let matches = files.filter { $0.hasPrefix(runID) }
                guard matches.count <= 1 else {
                    let shown = matches.suffix(10).map { String($0.dropLast(".jsonl".count)) }
                    throw RunbookError(.invalid, "\(matches.count) runs start with \(runID): \(shown.joined(separator: ", "))\(matches.count > 10 ? ", ..." : "")",
                                       hint: "give more of the run id")
                }
                guard let match = matches.first else {
                    throw RunbookError(.notFound, "no run \(runID) in \(directory)", hint: "run ids are the file names there; `runbook log` shows the last run")
                }
                return "\(directory)/\(match)"
            }
            guard let last = files.last else {
                throw RunbookError(.notFound, "no runs yet in \(directory)", hint: "run one with `runbook run NAME`")
            }
            return "\(directory)/\(last)"
        }
    }
}

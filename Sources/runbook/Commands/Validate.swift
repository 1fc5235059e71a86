import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check runbook files: syntax, metadata, versions, unique names and approvals. For a runbook repo's CI.",
            discussion: """
                Exits 0 when every file is valid, 2 otherwise. No runbook code beyond the file's top level runs.
                Each folder's runbooks.lock is checked too: an approval whose runbook changed or is gone is invalid.
                --strict also runs luacheck with the sandbox's globals: a misspelt global (`stpe(`), an unused or
                shadowed local, each with file:line.
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Also lint with luacheck (Debian package lua-check) against exactly the sandbox's globals.")
        var strict = false

        @Argument(help: "Files or folders to check (default: the runbook folders).")
        var paths: [String] = []

        func run() async throws {
            let directories = paths.isEmpty ? global.directories : paths
            for path in directories where !FileManager.default.fileExists(atPath: path) {
                throw fail(RunbookError(.notFound, "no file or folder at \(path)"))
            }
            let engine = try global.engine()
            let catalog = RunbookCatalog(directories: directories, engine: engine)
            let entries = catalog.entries()
            var failures = 0
            for entry in entries {
                switch entry.result {
                case .success(let runbook):
                    standardOutput(UntrustedText.terminal("ok      \(entry.file)  \(runbook.name) \(runbook.version)") + "\n")
                case .failure(let error):
                    failures += 1
                    standardOutput(UntrustedText.terminalLines("invalid \(error)") + "\n")
                }
            }
            let duplicates = RunbookCatalog.duplicates(in: entries)
            for duplicate in duplicates { standardOutput(UntrustedText.terminalLines("invalid \(duplicate)") + "\n") }
            // A lock entry the files no longer match would stop the runbook's automated runs.
            var approvalProblems = 0
            for review in ApprovalReview.of(directories: directories, runbooks: entries) {
                switch review.entries {
                case .failure(let error):
                    approvalProblems += 1
                    standardOutput(UntrustedText.terminalLines("invalid \(error)") + "\n")
                case .success(let approvals):
                    for problem in approvals.compactMap({ staleApproval($0, lock: review.lock) }) {
                        approvalProblems += 1
                        standardOutput(UntrustedText.terminal("invalid approval: \(problem)") + "\n")
                    }
                }
            }
            var lintProblems = 0
            if strict, !entries.isEmpty {
                do {
                    let problems = try await Luacheck.check(files: entries.map(\.file), config: try engine.apiReference(.luacheck))
                    for problem in problems { standardOutput(UntrustedText.terminal("lint    \(problem)") + "\n") }
                    lintProblems = problems.count
                } catch let error as RunbookError { throw fail(error) }
            }
            let valid = entries.count - failures
            standardOutput("\(valid) valid, \(failures + duplicates.count + approvalProblems) invalid" + (strict ? ", \(lintProblems) lint problems" : "") + "\n")
            if entries.isEmpty {
                throw fail(RunbookError(.notFound, "no runbook files (*.lua) in \(directories.joined(separator: ", "))"))
            }
            if failures + duplicates.count + approvalProblems + lintProblems > 0 { throw ExitCode(ExitStatus.usage.rawValue) }
        }
    }
}

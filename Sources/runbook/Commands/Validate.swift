import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check runbook files: syntax, metadata, versions and unique names. For a runbook repo's CI.",
            discussion: "Exits 0 when every file is valid, 2 otherwise. No runbook code beyond the file's top level runs.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Files or folders to check (default: the runbook folders).")
        var paths: [String] = []

        func run() async throws {
            let directories = paths.isEmpty ? global.catalog.directories : paths
            for path in directories where !FileManager.default.fileExists(atPath: path) {
                throw fail(RunbookError(.notFound, "no file or folder at \(path)"))
            }
            let catalog = RunbookCatalog(directories: directories, engine: RunbookEngine())
            let entries = catalog.entries()
            var failures = 0
            for entry in entries {
                switch entry.result {
                case .success(let runbook):
                    standardOutput("ok      \(entry.file)  \(runbook.name) \(runbook.version)\n")
                case .failure(let error):
                    failures += 1
                    standardOutput("invalid \(error)\n")
                }
            }
            let duplicates = RunbookCatalog.duplicates(in: entries)
            for duplicate in duplicates { standardOutput("invalid \(duplicate)\n") }
            let valid = entries.count - failures
            standardOutput("\(valid) valid, \(failures + duplicates.count) invalid\n")
            if entries.isEmpty {
                throw fail(RunbookError(.notFound, "no runbook files (*.lua) in \(directories.joined(separator: ", "))"))
            }
            if failures + duplicates.count > 0 { throw ExitCode(ExitStatus.usage.rawValue) }
        }
    }
}

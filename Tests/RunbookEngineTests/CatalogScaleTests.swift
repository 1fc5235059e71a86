import Foundation
import RunbookEngine
import Testing

/// Large catalogs: about 5,000 runbooks once failed with "not enough memory" and were skipped
/// silently, "did you mean" printed 38 KB, and two files defining one name ran the first found.
struct CatalogScaleTests {
    @Test func everyFileLoadsWithinItsOwnLimitsHoweverManyThereAre() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        // Each file's top level holds 40 KB: together far past the 32 MiB one load may use.
        for i in 1...1200 {
            folder.write("rb\(i).lua", """
                local pad = string.rep("x", 40000)
                return runbook { name = "scale.rb\(i)", version = "1.0.0", description = pad:sub(1, 10), run = function() end }
                """)
        }
        let entries = RunbookCatalog(directories: [folder.path], engine: try Engine(EngineConfiguration())).entries()
        let failures = entries.compactMap { entry -> String? in
            if case .failure(let error) = entry.result { return "\(entry.file): \(error)" } else { return nil }
        }
        #expect(entries.count == 1200)
        #expect(failures.isEmpty, "\(failures.prefix(3))")
    }

    @Test func suggestionsAreCappedAtFive() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        for i in 1...40 {
            folder.write("rb\(i).lua", runbookSource("", name: "near.rb\(i)"))
        }
        let catalog = RunbookCatalog(directories: [folder.path], engine: try Engine(EngineConfiguration()))
        let error = #expect(throws: RunbookError.self) { try catalog.resolve("near.rb") }
        let hint = error?.hint ?? ""
        #expect(hint.hasPrefix("did you mean "))
        #expect(hint.split(separator: ",").count <= 6, "\(hint)")  // five names and "..."
        #expect(hint.hasSuffix(", ...?"))
    }

    @Test func aNameDefinedByTwoFilesIsRefusedNamingBoth() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let first = folder.write("a/dup.lua", runbookSource("", name: "dup.name"))
        let second = folder.write("b/dup.lua", runbookSource("", name: "dup.name"))
        let catalog = RunbookCatalog(directories: [folder.path], engine: try Engine(EngineConfiguration()))
        let error = #expect(throws: RunbookError.self) { try catalog.resolve("dup.name") }
        #expect(error?.message == "runbook name 'dup.name' is defined by \(first) and \(second)")
    }

    @Test func runIdsOfRunsStartedInOneSecondSortByTime() async throws {
        var ids: [String] = []
        for _ in 0..<5 {
            ids.append(RunID.make())
            try await Task.sleep(for: .milliseconds(3))
        }
        #expect(ids.sorted() == ids, "\(ids)")
    }
}

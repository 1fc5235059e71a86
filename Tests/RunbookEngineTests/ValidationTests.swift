import LuaKit
import RunbookEngine
import Testing

struct ValidationTests {
    static let typed = """
        cluster = { type = "string", required = true, doc = "cluster ARN" },
        threshold = { type = "number", default = 60 },
        brokers = { type = "list" },
        count = { type = "integer", default = 1 },
        force = { type = "boolean", default = false },
        mode = { type = "string", choices = { "fast", "safe" }, default = "safe" },
        """

    @Test func parametersAreTypedByTheirDeclaration() async throws {
        let record = try await run(runbookSource("""
            assert(p.cluster == "c1" and p.threshold == 75.5 and p.count == 3 and p.force == true)
            assert(#p.brokers == 3 and p.brokers[3] == "3" and p.mode == "safe")
            """, params: Self.typed), arguments: ["cluster=c1", "threshold=75.5", "count=3", "force=yes", "brokers=1, 2", "brokers=3"])
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events.first?.params?["threshold"] == .number(75.5))
    }

    static let wrongParameters: [([String], String)] = [
        (["threshold=1"], "missing required parameter 'cluster' (cluster ARN)"),
        (["cluster=c", "threshold=high"], "parameter 'threshold' must be a number, got 'high'"),
        (["cluster=c", "count=1.5"], "parameter 'count' must be an integer, got '1.5'"),
        (["cluster=c", "force=maybe"], "parameter 'force' must be true or false"),
        (["cluster=c", "mode=reckless"], "parameter 'mode' must be one of fast, safe"),
        (["cluster=c", "colour=red"], "the runbook has no parameter 'colour'"),
        (["cluster"], "--param 'cluster' is not NAME=VALUE"),
    ]

    @Test(arguments: wrongParameters)
    func wrongParametersAreRefusedBeforeTheRun(arguments: [String], expected: String) async throws {
        let log = SendLog()
        let record = try await run(runbookSource("test.mutate({ id = 1 })", params: Self.typed), arguments: arguments, log: log)
        #expect(record.result.exit == .usage)
        #expect(record.result.message?.contains(expected) == true, "\(record.result.message ?? "")")
        #expect(record.events.isEmpty)
        #expect(log.requests.isEmpty)
    }

    static let badRunbooks: [(String, String)] = [
        ("return runbook { name = \"x\", version = \"1.0\", description = \"d\", run = function() end }",
         "runbook.lua:1: version '1.0' is not a semantic version"),
        ("return runbook { name = \"x\", version = \"1.0.0\", desciption = \"d\", run = function() end }",
         "unknown field 'desciption' (did you mean 'description'?)"),
        ("return runbook { name = \"x\", version = \"1.0.0\", description = \"d\" }", "`run` must be a function"),
        ("return runbook { name = \"9x\", version = \"1.0.0\", description = \"d\", run = function() end }", "name '9x'"),
        ("return { name = \"x\", version = \"1.0.0\", description = \"d\", params = { n = { type = \"float\" } }, run = function() end }",
         "parameter 'n' has type \"float\"; use one of: string, number, integer, boolean, list"),
        ("return runbook { name = \"x\", version = \"1.0.0\", description = \"d\", params = { n = { type = \"number\", default = \"ten\" } }, run = function() end }",
         "default of parameter 'n' must be a number"),
        ("return runbook { name = \"x\", version = \"1.0.0\", description = \"d\", triggers = { { namespace = \"AWS/Kafka\", metric = \"CpuUser\", params = { missing = \"dimension:Cluster Name\" } } }, run = function() end }",
         "fills parameter \"missing\", which the runbook does not declare"),
        ("local x = \nreturn runbook {", "syntax error: "),
        ("error('boom at load')", "runbook.lua:1: boom at load"),
        ("while true do end", "instruction budget exhausted"),
        ("return 42", "must return a runbook table"),
        // math.huge once trapped converting the timeout to milliseconds.
        ("return runbook { name = \"x\", version = \"1.0.0\", description = \"d\", limits = { timeout = math.huge }, run = function() end }",
         "limits.timeout must be a number of seconds from 0.001 to 604800 (7 days), got inf"),
        ("return runbook { name = \"x\", version = \"1.0.0\", description = \"d\", limits = { timeout = 0/0 }, run = function() end }",
         "limits.timeout must be a number of seconds from 0.001 to 604800 (7 days)"),
        ("return runbook { name = \"x\", version = \"1.0.0\", description = \"d\", limits = { instructions = math.maxinteger }, run = function() end }",
         "limits.instructions must be an integer from 1 to 1000000000000000, got 9223372036854775807"),
        ("", "the file returns nothing"),
    ]

    @Test(arguments: badRunbooks)
    func badRunbooksAreRefusedWithTheirPosition(source: String, expected: String) async throws {
        let record = try await run(source)
        #expect(record.result.exit == .usage)
        #expect(record.result.message?.contains(expected) == true, "\(record.result.message ?? "")")
    }

    @Test func syntaxErrorsNameTheFileAndLine() async throws {
        let record = try await run("return runbook {\n  name = \"x\",\n  version = \"1.0.0\" \"oops\n}")
        #expect(record.result.message?.contains("runbook.lua:3:") == true, "\(record.result.message ?? "")")
    }

    @Test func semanticVersionsFollowTheSpec() {
        for good in ["0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha.1", "1.0.0+build.5", "1.0.0-rc.1+sha.abc"] {
            #expect(SemanticVersion(good)?.description == good)
        }
        for bad in ["1", "1.2", "01.2.3", "1.2.3.4", "v1.2.3", "1.2.3-", "1.2.3-01", "1.2.-3", ""] {
            #expect(SemanticVersion(bad) == nil, "\(bad)")
        }
    }

    @Test func duplicateNamesAcrossFilesAreReported() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        folder.write("a.lua", runbookSource("", name: "same.name"))
        folder.write("nested/b.lua", runbookSource("", name: "same.name"))
        folder.write("c.lua", runbookSource("", name: "other"))
        folder.write("fixtures/ignored.lua", "not lua at all")
        let catalog = RunbookCatalog(directories: [folder.path], engine: try Engine(EngineConfiguration()))
        let entries = catalog.entries()
        #expect(entries.count == 3)
        let duplicates = RunbookCatalog.duplicates(in: entries)
        #expect(duplicates.count == 1)
        #expect(duplicates.first?.message.contains("a.lua") == true && duplicates.first?.message.contains("nested/b.lua") == true)
        #expect(try catalog.resolve("other").hasSuffix("c.lua"))
        #expect(throws: RunbookError.self) { try catalog.resolve("othr") }
    }
}

import AWSKit
import Foundation
import HTTPClient
import LuaKit
import RunbookEngine
import Synchronization
import Testing

/// The registry's promises: a module declared once reaches every place, the reference is
/// generated from the declarations, and AWS settings never fall back.
struct ModuleRegistryTests {
    /// The one file TestModule.swift declares `test`; nothing else names it.
    @Test func aModuleDeclaredInOneFileReachesRunValidateApiAndTheDryRunGate() async throws {
        let log = SendLog()
        let configuration = EngineConfiguration(modules: LuaModule.standard + [testModule(log)])
        let record = try await run(runbookSource("""
            step("use it", function()
              local loud = test.shout("hi")
              local echoed = test.read(7)
              local op = test.mutate { id = 2 }
              return { loud = loud, echoed = echoed, planned = op.planned }
            end)
            """), dryRun: true, log: log, configuration: configuration)
        #expect(record.result.status == .ok)
        #expect(record.events(.stepFinished).last?.result == ["loud": "HI", "echoed": 7, "planned": true])
        #expect(log.requests.isEmpty, "the dry-run gate let a mutate through")
        #expect(record.events(.call).filter { $0.operation == "Mutate" }.map(\.planned) == [true])

        let folder = RunbookFolder()
        defer { folder.remove() }
        folder.write("t.lua", "local shout = test.shout\n" + runbookSource("return shout('x')"))
        let engine = try Engine(configuration)
        let entries = RunbookCatalog(directories: [folder.path], engine: engine).entries()
        #expect(entries.count == 1 && (try? entries[0].result.get()) != nil, "validate did not see the module: \(entries)")

        for format in APIFormat.allCases {
            let text = try engine.apiReference(format)
            for name in ["shout", "read", "mutate"] { #expect(text.contains(name), "\(format) lacks test.\(name)") }
        }
        #expect(try engine.apiReference(.markdown).contains("### `test.mutate(request)` · mutate"))
    }

    /// validate once built an engine without modules: a file whose top level reads a module failed it.
    @Test func validateSeesTheModulesThatRunSees() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        folder.write("k.lua", "local describe = kafka.describe_cluster\n" + runbookSource("return describe"))
        let entries = RunbookCatalog(directories: [folder.path], engine: try Engine(EngineConfiguration())).entries()
        #expect((try? entries.first?.result.get())?.name == "test.runbook")
    }

    @Test func everyDeclaredFunctionIsInTheReferenceAndInTheSandbox() throws {
        let engine = try Engine(EngineConfiguration())
        let markdown = try engine.apiReference(.markdown)
        let luacheck = try engine.apiReference(.luacheck)
        for module in engine.modules {
            for function in module.functions {
                let name = module.qualifiedName(of: function)
                #expect(markdown.contains("### `\(name)("), "\(name) is missing from the reference")
                // luacheck's config is read from a real sandbox, so this shows the function exists there.
                #expect(luacheck.contains("\(function.name) = {}"), "\(name) is not in the sandbox")
            }
        }
    }

    @Test func theCommittedReferenceIsTheGeneratedOne() throws {
        let committed = try String(contentsOfFile: repositoryFile("docs/lua-api.md"), encoding: .utf8)
        #expect(committed == (try Engine(EngineConfiguration()).apiReference(.markdown)),
                "docs/lua-api.md is stale: run `runbook api --format markdown > docs/lua-api.md`")
    }

    @Test func lualsAnnotationsAreValidLuaAndNameEveryFunction() throws {
        let engine = try Engine(EngineConfiguration())
        let annotations = try engine.apiReference(.luals)
        let file = NSTemporaryDirectory() + "runbook-\(UUID().uuidString).lua"
        try Data(annotations.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let luac = Process()
        luac.executableURL = URL(fileURLWithPath: "/usr/bin/luac5.4")
        luac.arguments = ["-p", file]
        try luac.run()
        luac.waitUntilExit()
        #expect(luac.terminationStatus == 0)
        for module in engine.modules {
            if let name = module.name { #expect(annotations.contains("\n\(name) = {}\n")) }
            for function in module.functions {
                #expect(annotations.contains("function \(module.qualifiedName(of: function))("))
            }
        }
        #expect(annotations.contains("---@class probe.TCPResult"))
        #expect(annotations.contains("---@field reason? string"))
    }

    /// A malformed endpoint once fell back to the real AWS endpoint (AWSOptions used `try?`).
    @Test(arguments: [
        (AWSSettings(endpointURL: "not a url"), "--endpoint-url"),
        (AWSSettings(environment: ["AWS_ENDPOINT_URL": "localhost:4566"]), "AWS_ENDPOINT_URL"),
        (AWSSettings(environment: ["AWS_ENDPOINT_URL_KAFKA": "ftp://127.0.0.1:1"]), "AWS_ENDPOINT_URL_KAFKA"),
        (AWSSettings(environment: ["AWS_ENDPOINT_URL_CLOUDWATCH": "http://"]), "AWS_ENDPOINT_URL_CLOUDWATCH"),
        (AWSSettings(region: "us-east-1/evil"), "--region"),
        (AWSSettings(environment: ["AWS_REGION": "us east"]), "AWS_REGION"),
    ])
    func aMalformedSettingIsAnErrorNamingItNeverAFallback(settings: AWSSettings, source: String) async throws {
        let transport = CountingTransport()
        let error = #expect(throws: RunbookError.self) {
            try Engine(EngineConfiguration(aws: settings, transport: transport))
        }
        #expect(error?.description.contains(source) == true, "\(String(describing: error))")
        #expect(transport.count == 0)
    }

    @Test func aMalformedEndpointInTheConfigFileIsNamed() throws {
        let folder = RunbookFolder()
        defer { folder.remove() }
        let config = folder.write("config", """
            [default]
            services = local

            [services local]
            kafka =
              endpoint_url = 127.0.0.1:9999
            """)
        let error = #expect(throws: RunbookError.self) {
            try Engine(EngineConfiguration(aws: AWSSettings(environment: ["AWS_CONFIG_FILE": config, "HOME": folder.path])))
        }
        #expect(error?.description.contains("[services local] kafka endpoint_url in \(config)") == true, "\(String(describing: error))")
    }

    @Test func endpointURLAppliesToEveryService() async throws {
        let transport = CountingTransport()
        let configuration = EngineConfiguration(aws: AWSSettings(region: "us-east-1", endpointURL: "http://127.0.0.1:9") {
            AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
        }, transport: transport)
        let record = try await run(runbookSource("""
            kafka.describe_cluster("arn:aws:kafka:us-east-1:1:cluster/a/b")
            cloudwatch.list_metrics { namespace = "AWS/Kafka" }
            """), configuration: configuration)
        #expect(record.result.status == .ok)
        #expect(transport.urls.map { $0.hasPrefix("http://127.0.0.1:9/") } == [true, true], "\(transport.urls)")
    }
}

/// A transport that answers `{}` and counts what it was asked to send; nothing leaves the process.
final class CountingTransport: HTTPTransport {
    private let sent = Mutex<[String]>([])
    var count: Int { sent.withLock { $0.count } }
    var urls: [String] { sent.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        sent.withLock { $0.append(request.url) }
        return HTTPResponse(status: 200, headers: [("x-amzn-RequestId", "test")], body: Array("{}".utf8))
    }
}

/// A file of the repository, found from this source file.
func repositoryFile(_ path: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(path).path
}

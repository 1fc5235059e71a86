import AWSKit
import Foundation
public import LuaKit

/// `runbook test`: runs test files written in busted's vocabulary (`describe`, `it`,
/// `before_each`, `assert.are.equal`, ...) against runbooks whose only world is the test's
/// stubs (`stub.aws`, `stub.probe`, `stub.replay`). Nothing is sent: every call a runbook makes
/// goes to the test file (``TestWorld``), and an unstubbed one fails the test that made it.
///
/// ```swift
/// let catalog = RunbookCatalog(directories: ["runbooks"], engine: try Engine(.offline))
/// let report = await RunbookTestRunner(catalog: catalog).run(RunbookCatalog.testFiles(under: ["runbooks"]))
/// print(report.text, terminator: "")
/// ```
public struct RunbookTestRunner: Sendable {
    /// The largest test file read: tests are code, not data.
    public static let fileSizeLimit = 1 << 20
    /// Each test file's own Lua state runs under these; the runbooks it runs keep theirs.
    public static let limits = LuaLimits(memoryBytes: 64 << 20, instructions: 2_000_000_000, timeout: .seconds(600))

    /// Where `run_runbook` finds runbooks by name, and the engine that runs them.
    public let catalog: RunbookCatalog

    /// A runner finding runbooks in `catalog`, which should be made from ``EngineConfiguration/offline``.
    public init(catalog: RunbookCatalog) { self.catalog = catalog }

    /// Runs every test of `files`, one file after another.
    public func run(_ files: [String]) async -> RunbookTestReport {
        var tests: [RunbookTestCase] = []
        for file in files {
            do {
                tests += try await run(file: file)
            } catch {
                let message = (error as? RunbookError)?.description ?? (error as? LuaError)?.message ?? "\(error)"
                tests.append(RunbookTestCase(file: file, name: "(the file)", passed: false, message: message))
            }
        }
        return RunbookTestReport(tests: tests)
    }

    private func run(file: String) async throws -> [RunbookTestCase] {
        let source = try Self.read(file)
        let lua = try LuaState(limits: Self.limits)
        let env = try lua.makeSandbox()
        let host = lua.newTable()
        let G = lua.globals
        defer { [env, host, G].forEach(lua.release) }
        let runs = Runs(catalog: catalog, folder: (file as NSString).deletingLastPathComponent)
        runs.install(in: host, lua: lua)
        let entry = try lua.runTrusted(String(decoding: PackageResources.testing_lua, as: UTF8.self), name: "=[testing]",
                                       arguments: [env, G, host])
        defer { entry.forEach(lua.release) }
        let chunk = try lua.load(source, chunkname: "@" + file, environment: env)
        defer { lua.release(chunk) }
        guard let main = entry.first else { throw LuaError(.runtime, "the test API did not load") }
        let scheduler = LuaScheduler(state: lua)
        let outcome = await scheduler.run(until: try scheduler.spawn(main, references: [chunk]))
        await runs.end()
        if let error = outcome.error {
            return [RunbookTestCase(file: file, name: "(the file)", passed: false, message: error.message)]
        }
        return outcome.values.first?.tableValue?.array.compactMap { $0.tableValue.map { RunbookTestCase(file: file, result: $0) } } ?? []
    }

    private static func read(_ file: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw RunbookError(.notFound, "no test file at \(file)") }
        defer { try? handle.close() }
        let data = try handle.read(upToCount: fileSizeLimit + 1) ?? Data()
        guard data.count <= fileSizeLimit else { throw RunbookError(.invalid, "\(file) is larger than \(fileSizeLimit >> 20) MiB") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The runs one test file started (`run_runbook`), and the host functions testing.lua drives
/// them with. Lives on the file's Lua thread; only ``TestWorld`` crosses to the runs.
private final class Runs {
    let catalog: RunbookCatalog
    /// The test file's folder, which `stub.replay` paths are relative to.
    let folder: String
    private var worlds: [Int64: TestWorld] = [:]
    private var tasks: [Task<Void, Never>] = []
    private var cancellations: [LuaCancellation] = []
    private var files: [String: String] = [:]

    init(catalog: RunbookCatalog, folder: String) {
        self.catalog = catalog
        self.folder = folder
    }

    func install(in host: LuaReference, lua: LuaState) {
        lua.set("start_run", LuaHostFunction("run_runbook") { [self] call in
            let options = try call.optionalTable(3, "options")
            let timeout = options.fields["timeout"]?.doubleValue
            if let timeout, !RunbookLimits.timeoutRange.contains(timeout) {
                throw LuaHostError("timeout must be from \(RunbookLimits.timeoutRange.lowerBound) to \(Int(RunbookLimits.timeoutRange.upperBound)) seconds")
            }
            return .values([.integer(try start(name: try call.string(1, "name"), params: try call.optionalTable(2, "params"),
                                               dryRun: options.fields["dry_run"]?.boolValue ?? false, timeout: timeout))])
        }, in: host)
        lua.set("next_event", LuaHostFunction("run_runbook") { [self] call in
            let world = try world(try call.value(1))
            return .suspend(.work { [await world.next()] })
        }, in: host)
        lua.set("answer", LuaHostFunction("run_runbook") { [self] call in
            guard let id = try call.value(2).intValue, case .table(let response) = try call.value(3) else {
                throw LuaHostError("internal error: an answer needs a call id and a table")
            }
            try world(try call.value(1)).reply(id, response)
            return .none
        }, in: host)
        // A misspelt operation would only show as an unstubbed call: name the real ones at once.
        lua.set("check_aws", LuaHostFunction("stub.aws") { call in
            let (client, method) = (try call.string(1, "client"), try call.string(2, "operation"))
            guard AWSServiceModel.services.contains(client) else {
                throw LuaHostError("no AWS client \(client) (clients: \(AWSServiceModel.services.joined(separator: ", ")))")
            }
            let model = try AWSServiceModel.load(client)
            guard AWSModelCall.operation(method, of: model) != nil else {
                throw LuaHostError("\(client) has no operation \(method)\(AWSModelCall.suggestion(for: method, in: model))")
            }
            return .none
        }, in: host)
        let kinds = probeKinds(catalog.engine.modules)
        lua.set("check_probe", LuaHostFunction("stub.probe") { call in
            let kind = try call.string(1, "kind")
            guard kinds.contains(kind) else { throw LuaHostError("no probe kind \(kind) (kinds: \(kinds.joined(separator: ", ")))") }
            return .none
        }, in: host)
        lua.set("read_recording", LuaHostFunction("stub.replay") { [folder] call in
            let path = try call.string(1, "file")
            return .values([.table(LuaTable(array: try CallRecording.calls(at: path.hasPrefix("/") ? path : "\(folder)/\(path)")))])
        }, in: host)
    }

    private func world(_ handle: LuaValue) throws -> TestWorld {
        guard let id = handle.intValue, let world = worlds[id] else { throw LuaHostError("internal error: no run \(handle)") }
        return world
    }

    /// Starts `name` with `params` against a fresh world; its events come through ``TestWorld/next()``.
    private func start(name: String, params: LuaTable, dryRun: Bool, timeout: Double?) throws -> Int64 {
        let file = try files[name] ?? catalog.resolve(name)
        files[name] = file
        let world = TestWorld()
        var request = RunRequest(file: file)
        request.dryRun = dryRun
        request.timeout = timeout
        request.paramValues = params
        request.interceptor = world
        let id = Int64(worlds.count + 1)
        worlds[id] = world
        cancellations.append(request.cancellation)
        let (engine, started) = (catalog.engine, request)
        tasks.append(Task {
            let journal = JournalRecorder()
            let result = await engine.run(started, sinks: [journal])
            world.finish(runSummary(result, events: journal.events))
        })
        return id
    }

    /// Stops what the file left running (a test that failed mid-run) and waits for it.
    func end() async {
        worlds.values.forEach { $0.close() }
        cancellations.forEach { $0.cancel() }
        for task in tasks { await task.value }
    }
}

/// The kinds `stub.probe` answers: every primitive of a module that is not an AWS service's.
private func probeKinds(_ modules: [LuaModule]) -> [String] {
    modules.filter { $0.awsService == nil }.flatMap { module in
        module.functions.compactMap { function -> String? in
            guard case .primitive = function.body, let name = module.name else { return nil }
            return CallIdentity.probeKind(module: name, function: function.name)
        }
    }
}

/// What `run_runbook` returns, but `calls`, which testing.lua keeps as it answers them.
private func runSummary(_ result: RunResult, events: [JournalEvent]) -> LuaValue {
    func list(_ kind: JournalEvent.Kind, where keep: (JournalEvent) -> Bool = { _ in true },
              _ entry: (JournalEvent) -> [LuaValue: LuaValue]) -> LuaValue {
        .table(LuaTable(array: events.filter { $0.event == kind && keep($0) }.map { .table(LuaTable(fields: entry($0))) }))
    }
    func text(_ value: String?) -> LuaValue { value.map(LuaValue.string) ?? .nil }
    var summary = LuaTable(fields: [
        "status": .string(result.status.rawValue), "exit_code": .integer(Int64(result.exit.rawValue)),
        "findings": list(.finding) { ["code": text($0.code), "severity": text($0.severity), "summary": text($0.summary)] },
        "planned": list(.call, where: { $0.planned == true }) {
            ["service": text($0.service), "operation": text($0.operation), "request": $0.request ?? .nil]
        },
        "steps": list(.stepFinished) { ["name": text($0.name), "status": text($0.status)] },
        // The findings' codes, sorted, so a test states the set it expects in one comparison.
        "codes": .table(LuaTable(array: events.filter { $0.event == .finding }.compactMap(\.code).sorted().map(LuaValue.string))),
        "tables": list(.table) { table in
            func strings(_ texts: [String]) -> LuaValue { .table(LuaTable(array: texts.map(LuaValue.string))) }
            return ["title": text(table.name), "columns": strings(table.columns ?? []),
                    "rows": .table(LuaTable(array: (table.rows ?? []).map(strings)))]
        },
    ])
    let error = events.last { $0.event == .runFinished }?.error ?? result.message
    if let error { summary.fields["error"] = .string(error) }
    return .table(summary)
}

public import HTTPClient
import Foundation
public import LuaKit

/// What to run and how.
public struct RunRequest: Sendable {
    /// The runbook file.
    public var file: String
    /// `NAME=VALUE` parameters from the command line.
    public var arguments: [String] = []
    /// A JSON file of parameter values; command-line values win over it.
    public var paramsFile: String?
    /// Reads and probes run live; mutating calls are planned, never sent.
    public var dryRun = false
    /// What started the run (an alarm event), visible to the runbook as `run.trigger`.
    public var trigger: LuaValue?
    /// Wall-clock seconds for the run, over the runbook's own `limits.timeout`.
    public var timeout: Double?
    /// The run's id, also the journal's file name.
    public var runID = RunID.make()
    /// Stops the run from another thread (the CLI cancels it on SIGINT and SIGTERM).
    public var cancellation = LuaCancellation()
    /// Parameter values as data, in place of a params file (`run_runbook` in a test);
    /// command-line values win over them.
    public var paramValues: LuaTable?
    /// Answers or watches every call the run sends: a test's stubs, `--record`. A mutating
    /// call in a dry run is planned and never reaches it.
    public var interceptor: (any CallInterceptor)?
    /// Counts, and may refuse, each mutating call a live run sends: an automated run's budget.
    public var mutationGuard: (any MutationGuard)?
    /// The SHA-256 the file must have when it is loaded to run: what was approved. The file is
    /// read once, so no edit between a check and the run can slip through.
    public var requiredSHA256: String?

    /// A request to run the runbook in `file`.
    public init(file: String) { self.file = file }
}

/// How a run ended.
public struct RunResult: Sendable {
    /// The run's id.
    public let runID: String
    /// The runbook, once its file loaded.
    public let runbook: Runbook?
    /// How it ended.
    public let status: RunStatus
    /// Why it did not succeed, when it did not.
    public let failure: RunFailure?
    /// The exit status the CLI ends with.
    public let exit: ExitStatus
    /// Why it did not succeed, for people.
    public let message: String?
    /// The limit that stopped it, if one did.
    public let stopReason: LuaStopReason?
    /// Findings the runbook reported.
    public let findings: Int
    /// Mutating calls a dry run planned.
    public let plannedActions: Int
}

/// Everything an engine is made from: the one configuration every command builds.
public struct EngineConfiguration: Sendable {
    /// The Lua modules runbooks get.
    public var modules: [LuaModule]
    /// AWS settings as a command gives them; checked when the engine is made.
    public var aws: AWSSettings
    /// How HTTP requests travel; nil for libcurl, started at the first request.
    public var transport: (any HTTPTransport)?

    /// A configuration with the standard modules and the given AWS settings.
    public init(modules: [LuaModule] = LuaModule.standard, aws: AWSSettings = AWSSettings(), transport: (any HTTPTransport)? = nil) {
        self.modules = modules
        self.aws = aws
        self.transport = transport
    }
}

/// Loads, validates and runs runbooks: the composition root. Every command (`run`, `list`,
/// `show`, `validate`, `api`) makes its engine here, from one ``EngineConfiguration``.
///
/// ```swift
/// let engine = try Engine(EngineConfiguration(aws: AWSSettings(environment: ProcessInfo.processInfo.environment)))
/// var request = RunRequest(file: "runbooks/hello.lua")
/// request.dryRun = true
/// let result = await engine.run(request, sinks: [TerminalRenderer(color: false) { print($0, terminator: "") }])
/// ```
public struct Engine: Sendable {
    /// The engine's version, written into every journal.
    public static let version = "0.1.0"
    /// Default limits of a run; a runbook's `limits` and `--timeout` change them.
    public static let defaultLimits = LuaLimits(memoryBytes: 64 << 20, instructions: 2_000_000_000, timeout: .seconds(3600))

    /// The modules runbooks get.
    public let modules: [LuaModule]
    let installer: ModuleInstaller

    /// An engine made from `configuration`.
    ///
    /// Loading a runbook never touches the network, and nothing here does either; but
    /// every AWS setting that is present is checked now, so a wrong one never lets a call
    /// fall back to another endpoint.
    ///
    /// - Throws: ``RunbookError`` naming the AWS setting and where it came from.
    public init(_ configuration: EngineConfiguration) throws(RunbookError) {
        modules = configuration.modules
        let services = Set(configuration.modules.compactMap(\.awsService))
        let aws = try ResolvedAWS(configuration.aws, services: services, transport: configuration.transport)
        installer = ModuleInstaller(modules: configuration.modules, services: ModuleServices(aws: aws, transport: configuration.transport))
    }

    /// The Lua API reference in `format`, generated from the modules and a real sandbox.
    ///
    /// - Throws: ``RunbookError`` when the sandbox cannot be built (a broken module source).
    public func apiReference(_ format: APIFormat) throws(RunbookError) -> String {
        do {
            let lua = try LuaState(limits: RunbookLoader.loadLimits)
            let installed = try installer.install(in: lua, context: RunContext(journal: nil, dryRun: true))
            return APIReference(modules: modules, environment: EnvironmentListing(lua: lua, env: installed.env)).render(format)
        } catch {
            throw RunbookError(.invalid, "cannot build the runbook environment: \(error)")
        }
    }

    /// Loads and validates a runbook file without running it: no primitive can run.
    ///
    /// - Throws: ``RunbookError`` naming the file and line of the problem.
    public func inspect(file: String) throws -> Runbook {
        try RunbookLoader.load(file: file, context: RunContext(journal: nil, dryRun: true), installer: installer).runbook
    }

    /// Loads and validates many files, sharing one Lua state for speed.
    ///
    /// Each file still gets the whole load limit: the shared state is replaced once it holds
    /// half of it, and a file that fails in a shared state is tried again in a fresh one, so
    /// no file fails for what the files before it used (5,000 runbooks once skipped some with
    /// "not enough memory").
    public func inspect(files: [String]) -> [Result<Runbook, RunbookError>] {
        var shared: LuaState?
        func load(_ file: String, in state: LuaState?) -> Result<Runbook, RunbookError> {
            do {
                let context = RunContext(journal: nil, dryRun: true)
                return .success(try RunbookLoader.load(file: file, context: context, installer: installer, state: state).runbook)
            } catch let error as RunbookError {
                return .failure(error)
            } catch {
                return .failure(RunbookError(.invalid, "\(file): \(error)"))
            }
        }
        return files.map { file in
            if let state = shared, state.stopReason != nil || state.memoryInUse > RunbookLoader.loadLimits.memoryBytes / 2 {
                shared = nil
            }
            if shared == nil { shared = try? LuaState(limits: RunbookLoader.loadLimits) }
            let result = load(file, in: shared)
            guard case .failure = result, shared?.stopReason != nil || shared.map({ $0.memoryInUse > RunbookLoader.loadLimits.memoryBytes / 4 }) == true
            else { return result }
            shared = nil
            return load(file, in: nil)
        }
    }

    /// Runs a runbook. Never throws: every problem becomes the result's status, and
    /// once the run has started, a `run_finished` event in the journal.
    public func run(_ request: RunRequest, sinks: [any JournalSink]) async -> RunResult {
        let context = RunContext(journal: nil, dryRun: request.dryRun, interceptor: request.interceptor, mutationGuard: request.mutationGuard)
        let loaded: LoadedRunbook
        let params: LuaTable
        do {
            loaded = try RunbookLoader.load(file: request.file, context: context, installer: installer)
            if let required = request.requiredSHA256, loaded.runbook.sha256 != required {
                throw RunbookError(.invalid, "\(request.file) changed since it was approved: its sha256 is \(loaded.runbook.sha256.prefix(12))…, not \(required.prefix(12))…",
                                   hint: "review the change, then approve it with `runbook approve \(loaded.runbook.name)`")
            }
            let file = try request.paramsFile.map(Self.readParamsFile) ?? request.paramValues.map(LuaValue.table)
            params = try ParamBinder.bind(loaded.runbook.params, arguments: request.arguments, file: file)
        } catch {
            let message = (error as? RunbookError)?.description ?? "\(error)"
            return RunResult(runID: request.runID, runbook: nil, status: .invalid, failure: .configuration, exit: .usage,
                             message: message, stopReason: nil, findings: 0, plannedActions: 0)
        }
        return await execute(loaded, params: params, request: request, sinks: sinks)
    }

    private func execute(_ loaded: LoadedRunbook, params: LuaTable, request: RunRequest, sinks: [any JournalSink]) async -> RunResult {
        let runbook = loaded.runbook
        let lua = loaded.lua
        let context = loaded.context
        let secretNames = Set(runbook.params.filter(\.secret).map(\.name))
        let secrets = params.fields.compactMap { key, value -> [String]? in
            guard let name = key.stringValue, secretNames.contains(name) else { return nil }
            return value.tableValue.map { $0.array.compactMap(\.stringValue) } ?? [value.plainText]
        }.flatMap { $0 }
        let journal = Journal(runID: request.runID, sinks: sinks, redactor: Redactor(secrets: secrets))
        context.journal = journal
        var shownParams = params
        for name in secretNames where params.fields[.string(name)] != nil { shownParams.fields[.string(name)] = .string(Redactor.mask) }
        let started = ContinuousClock.now
        journal.record(.runStarted) {
            $0.runbook = runbook.name
            $0.version = runbook.version.description
            $0.sha256 = runbook.sha256
            $0.file = runbook.file
            $0.mode = request.dryRun ? "dry-run" : "live"
            $0.params = .table(shownParams)
            $0.trigger = request.trigger
            $0.engine = "runbook \(Self.version), Lua 5.4"
        }

        var limits = Self.defaultLimits
        if let mib = runbook.limits.memoryMiB { limits.memoryBytes = mib << 20 }
        if let count = runbook.limits.instructions { limits.instructions = count }
        // Both sources are checked against RunbookLimits.timeoutRange; clamping again keeps an
        // API caller that skipped the check from trapping here.
        if let seconds = request.timeout ?? runbook.limits.timeout {
            let bounded = seconds.isFinite ? min(max(seconds, RunbookLimits.timeoutRange.lowerBound), RunbookLimits.timeoutRange.upperBound)
                : RunbookLimits.timeoutRange.upperBound
            limits.timeout = .milliseconds(Int64(bounded * 1000))
        }
        lua.applyLimits(limits)
        request.cancellation.onCancel { [cancellation = lua.cancellation] in cancellation.cancel() }
        if request.cancellation.isCancelled { lua.cancellation.cancel() }

        let outcome: LuaTaskOutcome
        do {
            context.phase = .running
            let data: LuaValue = [
                "id": .string(request.runID), "dry_run": .boolean(request.dryRun), "params": .table(params),
                "trigger": request.trigger ?? .nil,
                "runbook": ["name": .string(runbook.name), "version": .string(runbook.version.description)],
            ]
            let dataReference = try lua.reference(to: data)
            defer { lua.release(dataReference) }
            guard let installRun = lua.field("install_run", of: loaded.environment.host) else {
                throw LuaError(.runtime, "the runbook API did not load")
            }
            defer { lua.release(installRun) }
            let secretList = try lua.reference(to: .table(LuaTable(array: secretNames.sorted().map(LuaValue.string))))
            defer { lua.release(secretList) }
            _ = try lua.call(installRun, arguments: [dataReference, secretList])
            // The same table `run.params` shows, its secrets already opaque.
            guard let runFunction = lua.field("run", of: loaded.table), let wrappedParams = lua.field("params", of: dataReference) else {
                throw LuaError(.runtime, "run is missing")
            }
            defer { lua.release(wrappedParams) }
            let scheduler = LuaScheduler(state: lua)
            let main = try scheduler.spawn(runFunction, references: [wrappedParams])
            outcome = await scheduler.run(until: main)
        } catch {
            outcome = LuaTaskOutcome(values: [], error: error as? LuaError ?? LuaError(.runtime, "\(error)"))
        }

        let (status, failure, exit, reason) = Self.classify(outcome, lua: lua, context: context, limits: limits)
        context.closeOpenSteps(status: status == .stopped ? .stopped : .failed, error: reason)
        journal.record(.runFinished) {
            $0.status = status.rawValue
            $0.exitCode = exit.rawValue
            $0.durationMs = milliseconds(since: started)
            $0.error = outcome.error?.message
            $0.reason = reason
            $0.traceback = outcome.error?.traceback
            $0.findings = context.findings
            $0.plannedActions = context.plannedActions
        }
        var message = reason
        var exitStatus = exit
        do {
            try journal.finish()
        } catch {
            // A journal or report that was not written in full is never a silent success.
            message = [reason, "\(error)"].compactMap { $0 }.joined(separator: "; ")
            if exitStatus == .ok { exitStatus = .usage }
        }
        return RunResult(runID: request.runID, runbook: runbook, status: status, failure: failure, exit: exitStatus, message: message,
                         stopReason: lua.stopReason, findings: context.findings, plannedActions: context.plannedActions)
    }

    /// The status, why, the exit and a reason a person can act on.
    private static func classify(_ outcome: LuaTaskOutcome, lua: LuaState, context: RunContext, limits: LuaLimits)
        -> (RunStatus, RunFailure?, ExitStatus, String?)
    {
        guard let error = outcome.error else { return (.ok, nil, .ok, nil) }
        if case .stopped(let reason) = error.kind {
            let text: String
            switch reason {
            case .instructions: text = "instruction budget of \(limits.instructions) exhausted (a loop that never ends?)"
            case .deadline: text = "run timed out after \(formatSeconds(limits.timeout.map(seconds(of:)) ?? 0)); raise it with --timeout or limits.timeout"
            case .cancelled: text = "cancelled"
            case .memory:
                text = "memory limit of \(limits.memoryBytes >> 20) MiB reached (peak \(lua.peakMemory >> 20) MiB); raise it with limits.memory_mb"
                    // An answer refused before it was built says which function it was.
                    + (error.message.contains("run stopped: ") ? "" : "; " + error.message)
            case .stackOverflow: text = "stack overflow: recursion too deep"
            case .tooManyTasks: text = "too many concurrent tasks"
            }
            return (.stopped, .limit(reason), .limit, text)
        }
        if let failure = context.failure, error.message == failure { return (.failed, .failCalled, .failed, "the runbook called fail()") }
        if let configuration = context.configurationFailures.message { return (.invalid, .configuration, .usage, configuration) }
        return (.failed, .error, .failed, nil)
    }

    /// The most a params file may hold: parameters are names and values, not data sets.
    static let paramsFileLimit = 1 << 20

    /// A JSON object of parameters from a file, a FIFO, or standard input for `-`.
    static func readParamsFile(_ path: String) throws -> LuaValue {
        let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path)
        guard let handle else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw RunbookError(exists ? .io : .notFound, exists ? "cannot read the params file \(path)" : "no params file at \(path)")
        }
        let data: Data
        do {
            data = try handle.read(upToCount: paramsFileLimit + 1) ?? Data()
        } catch {
            throw RunbookError(.io, "cannot read the params file \(path): \(error.localizedDescription)")
        }
        guard data.count <= paramsFileLimit else {
            throw RunbookError(.invalid, "the params file \(path) is larger than \(paramsFileLimit >> 20) MiB")
        }
        do {
            return try StrictJSON.decode(data)
        } catch {
            throw RunbookError(.invalid, "params file \(path) is not valid JSON: \(error)")
        }
    }
}

func seconds(of duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}

/// Run ids sort by time, to the millisecond, so `runbook log` finds the latest of runs started
/// in one second: `20261126T101500.123Z-3fa2c1`.
public enum RunID {
    /// A new id for a run starting now.
    public static func make() -> String {
        let suffix = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        return UTCTime.compact() + "-" + String(repeating: "0", count: 6 - suffix.count) + suffix
    }
}

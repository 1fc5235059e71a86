import LuaKit
import Synchronization

/// Builds a runbook's `_ENV` from module declarations: the sandbox, then each module's
/// table with its Swift functions behind the one argument checker and the dry-run gate,
/// then its Lua source.
///
/// Names and journal labels are worked out once, here, not per environment: listing a
/// folder builds one environment per file.
struct ModuleInstaller: Sendable {
    let services: ModuleServices
    private let plans: [ModulePlan]
    private let internals: ModulePlan

    /// A module with everything its installation needs that does not depend on the run.
    private struct ModulePlan: Sendable {
        let name: String?
        let source: String?
        let chunkName: String
        let functions: [FunctionPlan]
    }

    private struct FunctionPlan: Sendable {
        let function: ModuleFunction
        let body: SwiftBody
        /// What errors say: `probe.tcp`, or `step` for the engine's internals.
        let qualified: String
        /// The service the journal names: the module (`kafka`).
        let service: String
    }

    /// The bodies Swift binds; functions written in Lua get no host function.
    private enum SwiftBody: Sendable {
        case host(duringLoad: Bool, @Sendable (Arguments, HostCall) throws -> LuaReturn)
        case primitive(@Sendable (Arguments, ModuleServices) throws -> PreparedCall)
        case dispatch(@Sendable (Arguments, ModuleServices) throws -> DispatchedCall)
    }

    init(modules: [LuaModule], services: ModuleServices) {
        self.services = services
        plans = modules.map { Self.plan($0, qualified: true) }
        // Named after the public function each serves (`step:`), not the hidden table.
        internals = Self.plan(.engineInternals, qualified: false)
    }

    private static func plan(_ module: LuaModule, qualified: Bool) -> ModulePlan {
        ModulePlan(
            name: module.name, source: module.source, chunkName: "=[\(module.name ?? "runbook")]",
            functions: module.functions.compactMap { function in
                let body: SwiftBody
                switch function.body {
                case .lua: return nil
                case .host(let duringLoad, let run): body = .host(duringLoad: duringLoad, run)
                case .primitive(let prepare): body = .primitive(prepare)
                case .dispatch(let prepare): body = .dispatch(prepare)
                }
                return FunctionPlan(function: function, body: body, qualified: qualified ? module.qualifiedName(of: function) : function.name,
                                    service: module.name ?? function.name)
            })
    }

    /// The environment and the engine's `host` table (where `install_run` lands).
    struct Installed {
        let env: LuaReference
        let host: LuaReference
    }

    func install(in lua: LuaState, context: RunContext) throws -> Installed {
        let env = try lua.makeSandbox()
        let host = lua.newTable()
        let G = lua.globals
        let helpers = lua.sandboxHelpers()
        defer { [G, helpers].forEach(lua.release) }
        set(internals, in: host, lua: lua, context: context)
        for plan in plans {
            let table = plan.name == nil ? env : lua.newTable()
            set(plan, in: table, lua: lua, context: context)
            if let name = plan.name { lua.set(name, table, in: env) }
            if let source = plan.source {
                let results = try lua.runTrusted(source, name: plan.chunkName, arguments: [table, env, G, host, helpers])
                results.forEach(lua.release)
            }
            if plan.name != nil { lua.release(table) }
        }
        return Installed(env: env, host: host)
    }

    private func set(_ plan: ModulePlan, in table: LuaReference, lua: LuaState, context: RunContext) {
        for function in plan.functions {
            lua.set(function.function.name, bind(function, context: context), in: table)
        }
    }

    /// The host function for a declared Swift function.
    private func bind(_ plan: FunctionPlan, context: RunContext) -> LuaHostFunction {
        let function = plan.function
        let (parameters, variadic) = (function.parameters, function.variadic)
        switch plan.body {
        case .host(let duringLoad, let body):
            return LuaHostFunction(plan.qualified) { call in
                if !duringLoad { try context.requireRunning() }
                return try body(try ArgumentChecker.check(call, parameters, variadic: variadic), HostCall(call: call, context: context))
            }
        case .primitive(let prepare):
            let gate = DryRunGate(service: plan.service, operation: function.operation ?? function.name, effect: function.effect,
                                  context: context)
            let services = self.services
            let kind = CallIdentity.probeKind(module: plan.service, function: function.name)
            let optionTables = Set(parameters.filter { if case .options = $0.type { true } else { false } }.map(\.name))
            return LuaHostFunction(plan.qualified) { call in
                try context.requireRunning()
                let arguments = try ArgumentChecker.check(call, parameters, variadic: variadic, revealSecrets: true)
                var prepared = try prepare(arguments, services)
                if prepared.identity == nil { prepared.identity = .probe(kind: kind, arguments: arguments.named(omitting: optionTables)) }
                return gate.pass(prepared, task: call.task)
            }
        case .dispatch(let prepare):
            let services = self.services
            return LuaHostFunction(plan.qualified) { call in
                try context.requireRunning()
                let arguments = try ArgumentChecker.check(call, parameters, variadic: variadic, revealSecrets: true)
                let dispatched: DispatchedCall
                do {
                    dispatched = try prepare(arguments, services)
                } catch let failure as PrimitiveConfigurationError {
                    // The request needs the client's endpoint, so no region fails here, not at the
                    // send; it is still a configuration error (exit 2), not a failed runbook.
                    context.configurationFailures.note(failure)
                    throw failure
                }
                let gate = DryRunGate(service: dispatched.service, operation: dispatched.operation, effect: dispatched.effect,
                                      context: context)
                return gate.pass(dispatched.prepared, task: call.task)
            }
        }
    }
}

/// The one place a primitive's `send` is called: a mutating call in a dry run journals its
/// exact request and returns its planned result, and `send` never runs.
struct DryRunGate {
    let service: String
    let operation: String
    let effect: Effect
    let context: RunContext

    func pass(_ prepared: PreparedCall, task: LuaTaskID?) -> LuaReturn {
        let step = context.currentStep(of: task)
        let journal = context.journal
        let configurationFailures = context.configurationFailures
        let interceptor = context.interceptor
        let mutationGuard = effect == .mutate ? context.mutationGuard : nil
        let (service, operation, effect) = (service, operation, effect)
        journal?.addSecrets(prepared.secrets)
        // One journal line per attempt; a primitive that reports no attempts gets one line
        // for the whole call, attempt 1.
        @Sendable func record(planned: Bool, _ attempt: CallAttempt?) {
            journal?.record(.call) {
                $0.step = step
                $0.service = service
                $0.operation = operation
                $0.effect = effect.rawValue
                $0.planned = planned
                $0.request = prepared.request
                $0.summary = prepared.target
                $0.attempt = attempt?.number
                $0.httpStatus = attempt?.httpStatus
                $0.durationMs = attempt?.durationMs
                $0.retryAfterMs = attempt?.retryAfterMs
                $0.page = attempt?.page
                $0.pageToken = attempt?.pageToken
                $0.requestId = attempt?.requestID
                $0.error = attempt?.error
            }
        }
        if context.dryRun && effect == .mutate {
            context.countPlannedAction()
            record(planned: true, nil)
            var planned = prepared.planned.tableValue ?? LuaTable()
            planned.fields["planned"] = true
            planned.fields["request"] = prepared.request
            // Suspend as a sent call would, so a dry run fails where the live run would.
            let result = LuaValue.table(planned)
            return .suspend(.work { [result] })
        }
        return .suspend(.work {
            let started = ContinuousClock.now
            let reported = Mutex(false)
            let reporter = CallReporter { attempt in
                reported.withLock { $0 = true }
                record(planned: false, attempt)
            }
            func whole(_ requestID: String?, _ error: String?) -> CallAttempt {
                CallAttempt(number: 1, httpStatus: nil, error: error, requestID: requestID,
                            durationMs: milliseconds(since: started), retryAfterMs: nil)
            }
            do {
                try await mutationGuard?.willSend(service: service, operation: operation)
                @Sendable func send() async throws -> PrimitiveResult {
                    let result = try await prepared.send(reporter)
                    journal?.addSecrets(result.secrets)
                    return result
                }
                let result = if let interceptor {
                    try await interceptor.answer(InterceptedCall(
                        identity: prepared.identity ?? .probe(kind: operation, arguments: prepared.request), service: service,
                        operation: operation, send: send, redact: { journal?.redact($0) ?? $0 }))
                } else {
                    try await send()
                }
                if !reported.withLock({ $0 }) { record(planned: false, whole(result.requestID, nil)) }
                return [result.value]
            } catch {
                if let failure = error as? PrimitiveConfigurationError { configurationFailures.note(failure) }
                if !reported.withLock({ $0 }) { record(planned: false, whole(nil, "\(error)")) }
                throw error
            }
        })
    }
}

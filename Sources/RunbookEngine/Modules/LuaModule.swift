public import AWSKit
public import LuaKit

/// What a function does to the world, which decides what a dry run does with it.
public enum Effect: String, Sendable, Codable, CaseIterable {
    /// Touches nothing outside the run (parsing, statistics, logging). Runs the same in a dry run.
    case pure
    /// Reads state (AWS describe, list, get). Runs live in a dry run.
    case read
    /// Checks the network (TCP, TLS, DNS, ZooKeeper, HTTP). Runs live in a dry run.
    case probe
    /// Changes the world (reboot, put-alarm). In a dry run it does no I/O at all.
    case mutate
}

/// One Lua module, declared once: its name, its functions with their effect, arguments,
/// result and docs, and the Lua source of the helpers written over them.
///
/// Everything else is derived from this declaration: the table runbooks see, the dry-run
/// gate, the argument checks, `runbook api` (Markdown, lua-language-server annotations,
/// luacheck globals). Adding a module is one declaration and one line in ``LuaModule/standard``.
///
/// ```swift
/// let echo = LuaModule("echo", doc: "Says things back.", functions: [
///     .pure("say", parameters: [.required("text", .string, "What to say")], returns: .string,
///           doc: "Returns `text`.", example: #"echo.say("hi")"#) { arguments in
///         try arguments.string("text")
///     },
/// ])
/// ```
public struct LuaModule: Sendable {
    /// The global table runbooks use (`probe`); nil for functions that are globals themselves (`step`).
    public let name: String?
    /// What the module is for, one paragraph.
    public let doc: String
    /// The functions, in the order the reference lists them.
    public let functions: [ModuleFunction]
    /// Lua run once per state after the Swift functions are set, defining the functions
    /// declared with ``ModuleFunction/lua(_:parameters:returns:doc:example:)``. It receives
    /// `module_table, env, G, host, helpers` as `...`.
    public let source: String?
    /// The AWS service the module's primitives call, whose endpoint settings are checked
    /// when an engine is made.
    public let awsService: AWSService?
    /// What the module's table holds besides its functions, made by its Lua source at first
    /// access (`aws.ec2`): editors and luacheck then allow any field. Nil for a closed table.
    public let otherFields: String?

    /// A module named `name` (nil for globals).
    public init(
        _ name: String?, doc: String, awsService: AWSService? = nil, otherFields: String? = nil, functions: [ModuleFunction],
        source: String? = nil
    ) {
        self.name = name
        self.doc = doc
        self.awsService = awsService
        self.otherFields = otherFields
        self.functions = functions
        self.source = source
    }

    /// `probe.tcp`, or `step` for a global.
    public func qualifiedName(of function: ModuleFunction) -> String {
        name.map { "\($0).\(function.name)" } ?? function.name
    }
}

/// One function of a module.
public struct ModuleFunction: Sendable {
    /// The Lua name inside its module (`reboot_broker`).
    public let name: String
    /// What the call does to the world.
    public let effect: Effect
    /// The positional arguments, in order.
    public let parameters: [Parameter]
    /// Whether more arguments than declared are accepted (`print(...)`).
    public let variadic: Bool
    /// What it returns.
    public let returns: ResultShape
    /// One line saying what it does.
    public let doc: String
    /// A line of Lua that calls it.
    public let example: String
    /// The operation the journal names (`RebootBroker`), for primitives.
    public let operation: String?
    let body: Body

    enum Body: Sendable {
        /// Swift that runs at the call; `duringLoad` allows it while a file's top level runs.
        case host(duringLoad: Bool, @Sendable (Arguments, HostCall) throws -> LuaReturn)
        /// A call with an effect: prepared without I/O, sent only if the dry-run gate allows.
        case primitive(@Sendable (Arguments, ModuleServices) throws -> PreparedCall)
        /// A primitive whose service, operation and effect the arguments decide (`aws.call`).
        case dispatch(@Sendable (Arguments, ModuleServices) throws -> DispatchedCall)
        /// Defined by the module's Lua source.
        case lua
    }

    /// A function without effects, run at once, whose result the one ``LuaEncoder`` converts.
    ///
    /// - Parameter duringLoad: whether a runbook file's top level may call it (parsing may; logging may not).
    public static func pure<Result: Encodable & Sendable>(
        _ name: String, parameters: [Parameter] = [], returns: ResultShape, doc: String, example: String,
        duringLoad: Bool = true, keys: LuaEncoder.KeyStyle = .snakeCase,
        _ body: @escaping @Sendable (Arguments) throws -> Result
    ) -> ModuleFunction {
        ModuleFunction(name: name, effect: .pure, parameters: parameters, variadic: false, returns: returns, doc: doc,
                       example: example, operation: nil, body: .host(duringLoad: duringLoad) { arguments, _ in
            .values([try LuaEncoder(keys: keys).encode(try body(arguments))])
        })
    }

    /// A primitive: `prepare` checks nothing more than the declared arguments did and builds
    /// the exact request without I/O; the engine alone decides whether it is sent.
    public static func primitive(
        _ name: String, effect: Effect, operation: String, parameters: [Parameter] = [], returns: ResultShape,
        doc: String, example: String, _ prepare: @escaping @Sendable (Arguments, ModuleServices) throws -> PreparedCall
    ) -> ModuleFunction {
        ModuleFunction(name: name, effect: effect, parameters: parameters, variadic: false, returns: returns, doc: doc,
                       example: example, operation: operation, body: .primitive(prepare))
    }

    /// A primitive that serves many operations: `prepare` picks the operation and its effect from
    /// the arguments and builds the exact request without I/O; the same dry-run gate decides
    /// whether it is sent. `effect` is what the reference shows (the most a call may do).
    static func dispatching(
        _ name: String, effect: Effect, parameters: [Parameter], returns: ResultShape, doc: String, example: String,
        _ prepare: @escaping @Sendable (Arguments, ModuleServices) throws -> DispatchedCall
    ) -> ModuleFunction {
        ModuleFunction(name: name, effect: effect, parameters: parameters, variadic: false, returns: returns, doc: doc,
                       example: example, operation: nil, body: .dispatch(prepare))
    }

    /// A function the module's Lua source defines; declared here for the checks and the docs.
    public static func lua(
        _ name: String, effect: Effect = .pure, parameters: [Parameter] = [], variadic: Bool = false,
        returns: ResultShape, doc: String, example: String
    ) -> ModuleFunction {
        ModuleFunction(name: name, effect: effect, parameters: parameters, variadic: variadic, returns: returns, doc: doc,
                       example: example, operation: nil, body: .lua)
    }

    /// A function of the engine's own that needs the call's run (steps, findings, logs).
    static func host(
        _ name: String, effect: Effect = .pure, parameters: [Parameter] = [], variadic: Bool = false, returns: ResultShape,
        doc: String, example: String, duringLoad: Bool = false,
        _ body: @escaping @Sendable (Arguments, HostCall) throws -> LuaReturn
    ) -> ModuleFunction {
        ModuleFunction(name: name, effect: effect, parameters: parameters, variadic: variadic, returns: returns, doc: doc,
                       example: example, operation: nil, body: .host(duringLoad: duringLoad, body))
    }
}

/// A prepared call of a dispatching primitive, with what the journal names and the gate decides by.
struct DispatchedCall: Sendable {
    /// The service the journal names (`ec2`).
    let service: String
    /// The operation the journal names (`TerminateInstances`).
    let operation: String
    /// What this operation does to the world.
    let effect: Effect
    /// The exact request and how to send it.
    let prepared: PreparedCall
}

/// The call a host function is serving: its run, its task and its place in the runbook.
struct HostCall {
    let call: LuaCall
    let context: RunContext
}

public import LuaKit

/// A primitive call whose arguments were checked and whose exact request is built,
/// but which has not been sent.
public struct PreparedCall: Sendable {
    /// The exact request, as the journal and the review report show it.
    public var request: LuaValue
    /// A description of the target for people ("broker 2 of cluster orders").
    public var target: String?
    /// Sends the request, reporting each attempt. The engine calls this only when the run
    /// may have the effect.
    public var send: @Sendable (CallReporter) async throws -> PrimitiveResult
    /// What a dry run returns instead of sending; the engine adds `planned = true`.
    public var planned: LuaValue
    /// Values in ``request`` the journal must mask (an AWS input's `sensitive` members), learned
    /// as secrets of the run before the request is recorded.
    public var secrets: [String] = []
    /// What the call is in a test's stub names; nil leaves it to the module installer.
    public var identity: CallIdentity?

    /// A prepared call; `planned` is returned by dry runs of mutating primitives.
    public init(
        request: LuaValue, target: String? = nil, planned: LuaValue = [:],
        send: @escaping @Sendable (CallReporter) async throws -> PrimitiveResult
    ) {
        self.request = request
        self.target = target
        self.planned = planned
        self.send = send
    }
}

/// One attempt of a primitive call that retries, as the journal records it.
public struct CallAttempt: Sendable {
    /// 1 for the first attempt.
    public var number: Int
    /// The HTTP status, when an answer came.
    public var httpStatus: Int?
    /// The error code or failure, when the attempt failed.
    public var error: String?
    /// The service's request id.
    public var requestID: String?
    /// How long the attempt took, in milliseconds.
    public var durationMs: Double
    /// The wait before the next attempt, in milliseconds, when there will be one.
    public var retryAfterMs: Double?
    /// Which page of a paginated call the attempt asked for, 1 for the first.
    public var page: Int?
    /// The page's input token as sent (`NextToken="abc"`), for pages after the first.
    public var pageToken: String?

    /// An attempt with these parts.
    public init(number: Int, httpStatus: Int?, error: String?, requestID: String?, durationMs: Double, retryAfterMs: Double?) {
        self.number = number
        self.httpStatus = httpStatus
        self.error = error
        self.requestID = requestID
        self.durationMs = durationMs
        self.retryAfterMs = retryAfterMs
    }
}

/// Where a primitive reports its attempts; each becomes a `call` line in the journal.
public struct CallReporter: Sendable {
    let report: @Sendable (CallAttempt) -> Void

    /// Records one attempt.
    public func attempt(_ attempt: CallAttempt) { report(attempt) }
}

/// The answer to a sent primitive call.
public struct PrimitiveResult: Sendable {
    /// What Lua gets back.
    public var value: LuaValue
    /// The service's request id, for the journal.
    public var requestID: String?
    /// Values in ``value`` that the journal, the report and the terminal must never show (an
    /// AWS answer's `sensitive` members): masked as secrets from the call's end. Lua gets them.
    public var secrets: [String] = []

    /// A result of `value`, with the service's request id if it gave one.
    public init(_ value: LuaValue, requestID: String? = nil) {
        self.value = value
        self.requestID = requestID
    }
}

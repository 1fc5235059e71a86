import AWSKit
import LuaKit
import Synchronization

/// The only world a runbook under test has: each call it sends is put to the test file's
/// Lua (which matches the stubs, since a stub's `match` may be a function of the test's
/// state) and waits for its answer. Nothing is ever sent.
///
/// The test file's Lua takes events with ``next()``: a call to answer, or the run's end.
final class TestWorld: CallInterceptor {
    private struct State {
        var events: [LuaValue] = []
        var waiter: CheckedContinuation<LuaValue, Never>?
        var pending: [Int64: (call: InterceptedCall, reply: CheckedContinuation<PrimitiveResult, any Error>)] = [:]
        var nextID: Int64 = 1
        var closed = false
    }

    private let state = Mutex(State())

    func answer(_ call: InterceptedCall) async throws -> PrimitiveResult {
        try await withCheckedThrowingContinuation { reply in
            let id: Int64? = state.withLock { state in
                guard !state.closed else { return nil }
                let id = state.nextID
                state.nextID += 1
                state.pending[id] = (call, reply)
                return id
            }
            guard let id else { return reply.resume(throwing: LuaHostError("the test ended before this call was answered")) }
            var question = LuaTable(fields: ["id": .integer(id)])
            switch call.identity {
            case .aws(let client, let method, let input):
                question.fields["client"] = .string(client)
                question.fields["operation"] = .string(method)
                question.fields["input"] = input
            case .probe(let kind, let arguments):
                question.fields["kind"] = .string(kind)
                question.fields["arguments"] = arguments
            }
            post(["call": .table(question)])
        }
    }

    /// Ends the event stream with the run's result.
    func finish(_ result: LuaValue) { post(["finished": result]) }

    private func post(_ event: LuaValue) {
        let waiter = state.withLock { state -> CheckedContinuation<LuaValue, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.events.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    /// The next event, waiting for one; `{ cancelled = true }` when the test's task is cancelled.
    func next() async -> LuaValue {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<LuaValue, Never>) in
                let ready = state.withLock { state -> LuaValue? in
                    if !state.events.isEmpty { return state.events.removeFirst() }
                    if state.closed { return ["cancelled": true] }
                    state.waiter = waiter
                    return nil
                }
                if let ready { waiter.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }
    }

    /// Answers call `id`: `{ result = value }`, `{ error = { code, message, status, request_id } }` (an AWS
    /// call fails as the service's error answer would), or `{ refuse = text }`.
    func reply(_ id: Int64, _ response: LuaTable) throws {
        guard let (call, reply) = state.withLock({ $0.pending.removeValue(forKey: id) }) else {
            throw LuaHostError("no call \(id) is waiting for an answer")
        }
        if let result = response.fields["result"] {
            reply.resume(returning: PrimitiveResult(result))
        } else if let error = response.fields["error"]?.tableValue {
            let message = error.fields["message"]?.stringValue ?? ""
            switch call.identity {
            case .aws:
                let status = error.fields["status"]?.intValue.map(Int.init) ?? 400
                reply.resume(throwing: AWSServiceError(service: call.service, operation: call.operation,
                                                       code: error.fields["code"]?.stringValue ?? "HTTP\(status)",
                                                       message: message, status: status, requestID: error.fields["request_id"]?.stringValue))
            case .probe:
                reply.resume(throwing: LuaHostError(message))
            }
        } else {
            reply.resume(throwing: LuaHostError(response.fields["refuse"]?.stringValue ?? "the stub gave no answer"))
        }
    }

    /// Fails every call still waiting and every later one: the test that asked is gone.
    func close() {
        let (pending, waiter) = state.withLock { state in
            state.closed = true
            defer { state.pending = [:]; state.waiter = nil }
            return (Array(state.pending.values), state.waiter)
        }
        for (_, reply) in pending { reply.resume(throwing: LuaHostError("the test ended before this call was answered")) }
        waiter?.resume(returning: ["cancelled": true])
    }
}

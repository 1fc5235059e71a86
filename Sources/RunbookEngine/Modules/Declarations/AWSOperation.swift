import AWSKit
import Foundation
import LuaKit

extension ModuleFunction {
    /// An AWS operation as a primitive: the arguments become the exact wire request without
    /// I/O; sending signs it, retries as the SDKs' standard mode does and reports each attempt.
    /// The answer is the service's JSON, with its wire member names.
    static func aws(
        _ name: String, service: AWSService, effect: Effect, parameters: [Parameter], doc: String, example: String,
        planned: @escaping @Sendable (AWSOperationRequest) -> LuaValue = { _ in [:] },
        _ build: @escaping @Sendable (Arguments) throws -> AWSOperationRequest
    ) -> ModuleFunction {
        let operation = pascalCase(name)
        return .primitive(name, effect: effect, operation: operation, parameters: parameters,
                          returns: .table("the \(operation) answer, with the wire member names of the AWS API reference"),
                          doc: doc, example: example) { arguments, services in
            let request = try build(arguments)
            let answerLimit = arguments.answerLimit
            var shown = LuaTable(fields: ["method": .string(request.method), "path": .string(request.path)])
            if !request.query.isEmpty { shown.fields["query"] = .string(request.query) }
            if !request.body.isEmpty {
                shown.fields["body"] = (try? JSONDecoder().decode(LuaValue.self, from: Data(request.body))) ?? .string(request.bodyText)
            }
            return PreparedCall(request: .table(shown), planned: planned(request)) { reporter in
                let client = try services.aws(service)
                let response = try await client.send(request) { attempt in
                    reporter.attempt(CallAttempt(
                        number: attempt.number, httpStatus: attempt.status, error: attempt.error, requestID: attempt.requestID,
                        durationMs: milliseconds(attempt.duration), retryAfterMs: attempt.retryAfter.map(milliseconds)))
                }
                do {
                    let value = response.body.isEmpty ? LuaValue.table(LuaTable()) : try StrictJSON.decode(response.body, budget: answerLimit)
                    return PrimitiveResult(value, requestID: response.requestID)
                } catch let error as LuaAnswerTooLarge {
                    throw error
                } catch {
                    throw LuaHostError("\(client.service).\(request.operation): the answer is \(error) (request id \(response.requestID ?? "none"))")
                }
            }
        }
    }
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

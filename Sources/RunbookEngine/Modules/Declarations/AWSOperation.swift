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
            var prepared = PreparedCall(request: .table(shown), planned: planned(request)) { reporter in
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
            prepared.identity = .aws(client: service.serviceID.lowercased(), method: name, input: modelInput(arguments, body: shown.fields["body"]))
            return prepared
        }
    }
}

/// A hand-written operation's input as a test stubs it, near the model's member names: the
/// JSON body's members with a capital first letter, and each scalar or list argument in
/// PascalCase (`cluster_arn` is `ClusterArn`). Goes when kafka and cloudwatch use the models.
private func modelInput(_ arguments: Arguments, body: LuaValue?) -> LuaValue {
    var input = LuaTable()
    for (key, value) in body?.tableValue?.fields ?? [:] {
        guard let name = key.stringValue else { continue }
        input.fields[.string(name.prefix(1).uppercased() + name.dropFirst())] = value
    }
    for (key, value) in arguments.named(omitting: []).tableValue?.fields ?? [:] {
        // An option table's fields are among the arguments already; a list is a member.
        guard let name = key.stringValue, value.tableValue.map({ $0.fields.isEmpty && !$0.array.isEmpty }) ?? true else { continue }
        input.fields[.string(pascalCase(name))] = value
    }
    return .table(input)
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

import AWSKit
import LuaKit

/// One poll of a waiter (`waiters-2.json`), `aws.poll`: the waiter's operation sent once, as
/// `aws.call` sends it (the same request, dry-run gate and journal lines), and its acceptors
/// tried on the answer in order, as botocore's `Waiter.wait` tries them.
///
/// The loop is aws.lua's `wait`, not Swift: between polls it calls the engine's `sleep`, which
/// step timeouts, the run's deadline and cancel already cut short, and each poll is then an
/// ordinary call the gate may plan instead of send. Swift here neither loops nor sleeps.
enum AWSWaiterPoll {
    static let options: [Parameter] = [
        .optional("timeout", .seconds(0.001...86_400), "Seconds to wait in all; the waiter's delay × maxAttempts by default"),
        .optional("interval", .seconds(0.001...3600), "Seconds between polls; the waiter's delay by default"),
    ]

    static func prepare(_ arguments: Arguments, services: ModuleServices) throws -> DispatchedCall {
        let clientName = try arguments.string("client")
        let model = try AWSModelCall.model(clientName)
        let name = try arguments.string("waiter")
        guard let modelName = model.waitersByName[name], let waiter = model.waiters[modelName] else {
            throw LuaHostError("aws.\(clientName) has no waiter \(name)" + (model.waiters.isEmpty ? " (it has none)"
                : AWSModelCall.suggestion(for: name, among: model.waitersByName.keys.sorted(),
                                          otherwise: " (aws.\(clientName).waiters() lists them)")))
        }
        let options = arguments.table("options")
        let interval = options.fields["interval"]?.doubleValue ?? Double(waiter.delay)
        let timeout = options.fields["timeout"]?.doubleValue ?? Double(waiter.delay) * Double(waiter.maxAttempts)
        let call = try AWSModelCall.Target(model: model, operation: waiter.operation, input: arguments.table("input"),
                                           answerLimit: arguments.answerLimit, services: services)
        let label = "aws.\(clientName).wait \(name)"
        return call.dispatched(target: "waiter \(name)") { reporter in
            let outcome: AWSWaiter.Outcome
            var answer: PrimitiveResult?
            var failure: AWSServiceError?
            do {
                let response = try await call.send(onAttempt: AWSModelCall.report(to: reporter))
                let members = try call.decode(response, keys: .member)
                answer = call.result(try call.decode(response))
                outcome = .answer(members, status: response.status)
            } catch let error as AWSServiceError {
                outcome = .error(code: error.code, status: error.status)
                failure = error
            }
            let acceptor: AWSWaiter.Acceptor?
            do {
                acceptor = try waiter.acceptor(matching: outcome)
            } catch {
                throw LuaHostError("\(label): \(error)")
            }
            // botocore: an error answer no acceptor expects ends the wait with that error.
            if acceptor == nil, let failure { throw LuaHostError("\(label): \(failure)") }
            var table = LuaTable(fields: [
                "observed": .string(waiter.observed(in: outcome)), "interval": .number(interval), "timeout": .number(timeout),
            ])
            if let acceptor {
                table.fields["state"] = .string(acceptor.state.rawValue)
                table.fields["matched"] = .string(acceptor.explanation)
            }
            if let answer { table.fields["answer"] = answer.value }
            var result = PrimitiveResult(.table(table))
            result.secrets = answer?.secrets ?? []
            return result
        }
    }
}

import AWSKit
import Foundation
import LuaKit
import Synchronization

extension LuaModule {
    /// `aws.<client>.<operation>{...}`: every operation of every service model AWSKit carries,
    /// under boto3's client and method names, each classed read or mutate by rule for dry runs.
    ///
    /// Nothing here names a service: the clients are ``AWSServiceModel/services`` and the
    /// operations come from each model, loaded at the client's first call (aws.lua builds
    /// `aws.ec2` on first access; `aws.call` loads the model). Adding a service adds nothing here.
    static let aws = LuaModule("aws", doc: """
        Every operation of the AWS services AWSKit carries a model of, as boto3 names them: \
        `aws.<client>.<operation>{ Member = value, ... }`, with clients \
        \(AWSServiceModel.services.map { "`\($0)`" }.joined(separator: ", ")). \
        Input members take the model's names, as boto3's do (`aws.ec2.describe_vpcs{ VpcIds = { "vpc-1" } }`); \
        an unknown member or a value of the wrong type is an error naming it. The answer keeps the wire \
        member names of the AWS API reference (`vpcSet` for EC2, `QueueUrls` for SQS), timestamps as epoch \
        seconds. `paginate = true` follows the operation's paginator and merges every page's results \
        (at most \(AWSPagination.maximumPages) pages, else an error). An operation is a read only if its \
        name starts with Describe, List, Get, Head, BatchGet, Query, Scan, Search or Lookup and it is not on \
        a reviewed deny list (such as `sqs.ReceiveMessage`, which hides the messages it returns); everything \
        else is a mutate. In a dry run a read is sent, and a mutate returns \
        `{ planned = true, request = ... }` with the exact request, unsent. A client's model loads at its first use.
        """, otherFields: "the clients: `aws.ec2`, `aws.sqs`, ...; each a table of operations by boto3 method name",
        functions: [
            .dispatching("call", effect: .mutate, parameters: [
                .required("client", .string, "boto3's client name (`ec2`)"),
                .required("operation", .string, "boto3's method name (`describe_vpcs`)"),
                .optional("input", .table, "The input members by their model names; `paginate = true` merges every page"),
            ], returns: .table("the operation's answer, with the wire member names of the AWS API reference"),
            doc: "Calls one operation; `aws.<client>.<operation>(input)` is this. Its effect is the operation's class.",
            example: #"aws.call("sqs", "list_queues", { QueueNamePrefix = "orders" })"#) { arguments, services in
                try AWSModelCall.prepare(arguments, services: services)
            },
            .pure("clients", returns: .list(.string), doc: "The client names `aws` has, in the models' order.",
                  example: "for _, name in ipairs(aws.clients()) do log.info(name) end") { _ in
                AWSServiceModel.services
            },
        ], source: String(decoding: PackageResources.aws_lua, as: UTF8.self))
}

/// Prepares `aws.call`: the model's operation, its class, the input by its shape and the exact request.
enum AWSModelCall {
    /// Each model's operations by boto3 method name, worked out once per process.
    private static let methods = Mutex<[String: [String: String]]>([:])

    static func operation(_ method: String, of model: AWSServiceModel) -> String? {
        if let known = methods.withLock({ $0[model.service] }) { return known[method] }
        let byMethod = model.operationsByMethod
        methods.withLock { $0[model.service] = byMethod }
        return byMethod[method]
    }

    /// The operations nearest `method` by shared prefix, as a hint: ` (did you mean describe_vpcs?)`.
    static func suggestion(for method: String, in model: AWSServiceModel) -> String {
        let methods = model.operations.keys.map(BotocoreName.method(for:))
        func shared(_ name: String) -> Int { zip(name, method).prefix { $0 == $1 }.count }
        let best = methods.map(shared).max() ?? 0
        guard best >= 4 else { return " (operations take boto3's snake_case names, such as describe_... and list_...)" }
        let near = methods.filter { shared($0) == best }.sorted { ($0.count, $0) < ($1.count, $1) }.prefix(5)
        return " (did you mean \(near.joined(separator: ", "))?)"
    }

    static func prepare(_ arguments: Arguments, services: ModuleServices) throws -> DispatchedCall {
        let clientName = try arguments.string("client")
        guard AWSServiceModel.services.contains(clientName) else {
            throw LuaHostError("aws has no client \(clientName) (clients: \(AWSServiceModel.services.joined(separator: ", ")))")
        }
        let model = try AWSServiceModel.load(clientName)
        let method = try arguments.string("operation")
        guard let operation = Self.operation(method, of: model) else {
            throw LuaHostError("aws.\(clientName) has no operation \(method)\(Self.suggestion(for: method, in: model))")
        }
        var input = arguments.table("input")
        let paginate = input.fields.removeValue(forKey: "paginate")
        guard paginate == nil || paginate?.boolValue != nil else {
            throw LuaHostError("aws.\(clientName).\(method): paginate must be a boolean")
        }
        let pagination = paginate?.boolValue == true ? try AWSPagination(model: model, operation: operation) : nil
        let (awsInput, sensitiveInput) = try AWSValue.input(.table(input), operation: operation, model: model)
        let effect = Effect(AWSOperationClass.of(service: model.service, operation: operation))
        let client = try services.aws(model: model)
        let request = try client.request(operation: operation, input: awsInput)
        var prepared = PreparedCall(request: shown(request)) { reporter in
            @Sendable func report(_ attempt: AWSAttempt) {
                reporter.attempt(CallAttempt(
                    number: attempt.number, httpStatus: attempt.status, error: attempt.error, requestID: attempt.requestID,
                    durationMs: milliseconds(attempt.duration), retryAfterMs: attempt.retryAfter.map(milliseconds)))
            }
            let answer = if let pagination {
                try await pagination.all(awsInput) { page in
                    try await client.send(operation: operation, input: page, onAttempt: report)
                }
            } else {
                try await client.send(operation: operation, input: awsInput, onAttempt: report)
            }
            let value = answer.luaValue
            var result = PrimitiveResult(value)
            result.secrets = model.sensitiveValues(in: value, outputOf: operation)
            return result
        }
        prepared.secrets = sensitiveInput
        prepared.identity = .aws(client: clientName, method: method, input: .table(input))
        return DispatchedCall(service: model.service, operation: operation, effect: effect, prepared: prepared)
    }

    /// The request as the journal and a dry run's answer show it: method, path, query, the
    /// protocol's headers and the body (a table when it is JSON).
    static func shown(_ request: AWSOperationRequest) -> LuaValue {
        var shown = LuaTable(fields: ["method": .string(request.method), "path": .string(request.path)])
        if !request.hostPrefix.isEmpty { shown.fields["host_prefix"] = .string(request.hostPrefix) }
        if !request.query.isEmpty { shown.fields["query"] = .string(request.query) }
        if !request.headers.isEmpty {
            var headers = LuaTable()
            for header in request.headers { headers.fields[.string(header.name)] = .string(header.value) }
            shown.fields["headers"] = .table(headers)
        }
        if !request.body.isEmpty {
            shown.fields["body"] = (try? JSONDecoder().decode(LuaValue.self, from: Data(request.body))) ?? .string(request.bodyText)
        }
        return .table(shown)
    }
}

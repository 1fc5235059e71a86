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
        `{ planned = true, request = ... }` with the exact request, unsent. A client's model loads at its first use. \
        `aws.<client>.wait(name, input, options)` polls one of the model's waiters (`waiters-2.json`, named as \
        boto3's `get_waiter` names them: `instance_running`, `table_exists`, `bucket_exists`) until an acceptor \
        says success, as botocore's waiters do; `aws.<client>.waiters()` lists them.
        """, otherFields: "the clients: `aws.ec2`, `aws.sqs`, ...; each a table of operations by boto3 method name, with `wait` and `waiters`",
        functions: [
            .dispatching("call", effect: .mutate, parameters: [
                awsClient,
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
            .lua("wait", effect: .read, parameters: [
                awsClient, awsWaiter, awsWaiterInput,
                .optional("options", .options(AWSWaiterPoll.options), "How long to wait and how often to poll"),
            ], returns: .table("the answer of the poll that succeeded, with wire member names (`{}` when the success was an error answer, as for `table_not_exists`); a dry run's planned poll returns `{ planned = true, ... }`"),
            doc: """
                Polls the waiter's operation until one of its acceptors, tried in order, says success (returns the \
                answer) or failure (an error naming the acceptor), as botocore's `Waiter.wait` does; an error answer \
                no acceptor expects ends the wait with that error. Each poll is a call in the journal. It never \
                sleeps past its timeout, the step's timeout or the run's deadline: when the next poll cannot come \
                in time it fails with the polls made and the last state seen. `aws.<client>.wait(name, input, options)` is this.
                """,
            example: #"aws.ec2.wait("instance_running", { InstanceIds = { id } }, { timeout = 120, interval = 2 })"#),
            .dispatching("poll", effect: .read, parameters: [
                awsClient, awsWaiter, awsWaiterInput, .optional("options", .options(AWSWaiterPoll.options), "As `wait` takes them"),
            ], returns: .table("`state` (`success`, `failure` or `retry`; absent when no acceptor matched), `matched` (the acceptor), `observed` (what the waiter watches, as text), `answer` (the answer, wire names; absent for an error answer), and `interval` and `timeout` (the options, or the waiter's defaults)"),
            doc: "Polls a waiter once: sends its operation and tries its acceptors on the answer. `wait` loops over it. An error answer no acceptor expects is an error.",
            example: #"local poll = aws.poll("dynamodb", "table_exists", { TableName = "orders" })"#) { arguments, services in
                try AWSWaiterPoll.prepare(arguments, services: services)
            },
            .pure("waiters", parameters: [awsClient], returns: .list(.string),
                  doc: "The waiter names of a client, sorted; `aws.<client>.waiters()` is this.",
                  example: "for _, name in ipairs(aws.ec2.waiters()) do log.info(name) end") { arguments in
                try AWSModelCall.model(try arguments.string("client")).waitersByName.keys.sorted()
            },
        ], source: String(decoding: PackageResources.aws_lua, as: UTF8.self))

    private static let awsClient = Parameter.required("client", .string, "boto3's client name (`ec2`)")
    private static let awsWaiter = Parameter.required("waiter", .string, "boto3's waiter name (`instance_running`)")
    private static let awsWaiterInput = Parameter.optional("input", .table, "The input of the waiter's operation, by its model names")
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

    /// The names nearest `name` by shared prefix, as a hint (` (did you mean describe_vpcs?)`), or
    /// `otherwise` when none shares four characters.
    static func suggestion(for name: String, among names: [String], otherwise: String) -> String {
        func shared(_ candidate: String) -> Int { zip(candidate, name).prefix { $0 == $1 }.count }
        let best = names.map(shared).max() ?? 0
        guard best >= 4 else { return otherwise }
        let near = names.filter { shared($0) == best }.sorted { ($0.count, $0) < ($1.count, $1) }.prefix(5)
        return " (did you mean \(near.joined(separator: ", "))?)"
    }

    /// The operations of `model` nearest `method`, as a hint for a misspelt operation.
    static func suggestion(for method: String, in model: AWSServiceModel) -> String {
        suggestion(for: method, among: model.operations.keys.map(BotocoreName.method(for:)),
                   otherwise: " (operations take boto3's snake_case names, such as describe_... and list_...)")
    }

    /// The model of client `name`, or an error listing the clients.
    static func model(_ name: String) throws -> AWSServiceModel {
        guard AWSServiceModel.services.contains(name) else {
            throw LuaHostError("aws has no client \(name) (clients: \(AWSServiceModel.services.joined(separator: ", ")))")
        }
        return try AWSServiceModel.load(name)
    }

    static func prepare(_ arguments: Arguments, services: ModuleServices) throws -> DispatchedCall {
        let clientName = try arguments.string("client")
        let model = try model(clientName)
        let method = try arguments.string("operation")
        guard let operation = Self.operation(method, of: model) else {
            throw LuaHostError("aws.\(clientName) has no operation \(method)" + Self.suggestion(for: method, in: model))
        }
        var input = arguments.table("input")
        let paginate = input.fields.removeValue(forKey: "paginate")
        guard paginate == nil || paginate?.boolValue != nil else {
            throw LuaHostError("aws.\(clientName).\(method): paginate must be a boolean")
        }
        let pagination = paginate?.boolValue == true ? try AWSPagination(model: model, operation: operation) : nil
        return try prepare(operation, of: model, input: input, pagination: pagination, answerLimit: arguments.answerLimit,
                           services: services)
    }

    /// The one way a model operation becomes a call, for `aws.<client>.<operation>` and for the
    /// `kafka` and `cloudwatch` aliases alike: ``Target`` with its class, journal lines and the
    /// identity runbook tests stub it by (boto3's client and method, the input by member names).
    ///
    /// - Parameters:
    ///   - input: the input members by their model names.
    ///   - answerLimit: the Lua memory the answer may take (``Arguments/answerLimit``).
    ///   - planned: what a dry run of a mutate returns besides `planned` and `request`.
    static func prepare(
        _ operation: String, of model: AWSServiceModel, input: LuaTable, pagination: AWSPagination? = nil,
        answerLimit: Int?, planned: LuaValue = [:], services: ModuleServices
    ) throws -> DispatchedCall {
        let call = try Target(model: model, operation: operation, input: input, answerLimit: answerLimit, services: services)
        let identity = CallIdentity.aws(client: model.service, method: BotocoreName.method(for: operation), input: .table(input))
        return call.dispatched(identity: identity, planned: planned) { reporter in
            let answer = if let pagination {
                try await pagination.all(call.input) { page, number, token in
                    // The first page is the request the journal already holds; later pages carry their token.
                    let request = number == 1 ? call.request : try call.client.request(operation: operation, input: page)
                    return try call.decode(try await call.send(request, onAttempt: report(to: reporter, page: number, token: token)))
                }
            } else {
                try call.decode(try await call.send(onAttempt: report(to: reporter)))
            }
            return call.result(answer)
        }
    }

    /// One operation of a model with its input checked against the model and its exact request
    /// built, without I/O: what `aws.call` and a waiter's poll share.
    struct Target: Sendable {
        let model: AWSServiceModel
        let operation: String
        let input: AWSValue
        let client: AWSServiceClient
        let request: AWSOperationRequest
        /// The Lua memory the answer may take (``Arguments/answerLimit``).
        let answerLimit: Int?
        private let sensitiveInput: [String]

        init(model: AWSServiceModel, operation: String, input: LuaTable, answerLimit: Int?, services: ModuleServices) throws {
            (self.model, self.operation, self.answerLimit) = (model, operation, answerLimit)
            (self.input, sensitiveInput) = try AWSValue.input(.table(input), operation: operation, model: model)
            client = try services.aws(model: model)
            request = try client.request(operation: operation, input: self.input)
        }

        /// Sends `request`, by default the one built here, so the journal shows what went out
        /// (an idempotency token the model fills in included). A JSON answer passes RFC 8259's
        /// grammar and the run's memory before Foundation decodes it: a hostile peer's deep
        /// nesting or millions of values end the call here, before any of it is built.
        ///
        /// - Throws: what the client's send throws (``AWSServiceError`` for an error answer);
        ///   ``LuaAnswerTooLarge`` past ``answerLimit``; `LuaHostError` naming the operation and
        ///   the request id for malformed JSON.
        func send(_ request: AWSOperationRequest? = nil, onAttempt: @Sendable (AWSAttempt) -> Void) async throws -> AWSResponse {
            let response = try await client.send(request ?? self.request, onAttempt: onAttempt)
            guard !response.body.isEmpty, AWSModelCall.answersInJSON(operation, of: model) else { return response }
            do {
                try StrictJSON.check(response.body, budget: answerLimit)
            } catch let error as LuaAnswerTooLarge {
                throw error
            } catch {
                throw LuaHostError("\(model.service).\(operation): the answer is \(error) (request id \(response.requestID ?? "none"))")
            }
            return response
        }

        /// The answer decoded by the output shape, keyed by wire names (or `keys`).
        func decode(_ response: AWSResponse, keys: AWSModelResponse.Keys = .wire) throws -> AWSValue {
            try AWSModelResponse.decode(model, operation: operation, response: response, keys: keys)
        }

        /// The call for the dry-run gate, classed by the operation's class; `target` is what the
        /// journal says the call is for, `identity` what a runbook test's stubs know it by,
        /// `planned` what a dry run of a mutate returns besides `planned = true` and `request`.
        func dispatched(target: String? = nil, identity: CallIdentity? = nil, planned: LuaValue = [:],
                        send: @escaping @Sendable (CallReporter) async throws -> PrimitiveResult) -> DispatchedCall {
            var prepared = PreparedCall(request: AWSModelCall.shown(request), target: target, planned: planned, send: send)
            prepared.secrets = sensitiveInput
            prepared.identity = identity
            let effect = Effect(AWSOperationClass.of(service: model.service, operation: operation))
            return DispatchedCall(service: model.service, operation: operation, effect: effect, prepared: prepared)
        }

        /// What Lua gets for `answer` (wire names), its `sensitive` members masked from the journal.
        func result(_ answer: AWSValue) -> PrimitiveResult {
            let value = answer.luaValue
            var result = PrimitiveResult(value)
            result.secrets = model.sensitiveValues(in: value, outputOf: operation)
            return result
        }
    }

    /// Journals each attempt of a send; a paginated call's attempts carry their page and its token.
    static func report(to reporter: CallReporter, page: Int? = nil, token: String? = nil) -> @Sendable (AWSAttempt) -> Void {
        { attempt in
            var journaled = CallAttempt(
                number: attempt.number, httpStatus: attempt.status, error: attempt.error, requestID: attempt.requestID,
                durationMs: milliseconds(attempt.duration), retryAfterMs: attempt.retryAfter.map(milliseconds))
            journaled.page = page
            journaled.pageToken = token
            reporter.attempt(journaled)
        }
    }

    /// Whether the body of `operation`'s answer is JSON: always for json, and for rest-json unless
    /// the output's payload is bytes or text (Lambda's `Invoke` answers with the function's output).
    static func answersInJSON(_ operation: String, of model: AWSServiceModel) -> Bool {
        switch AWSModelRequest.wireProtocol(of: model) {
        case "json": return true
        case "rest-json":
            guard let output = model.operations[operation]?.output, let shape = try? model.shape(output.shape),
                  let payload = shape.payload, let ref = shape.members?.first(where: { $0.name == payload }),
                  let payloadShape = try? model.shape(ref.shape) else { return true }
            return payloadShape.type != .blob && payloadShape.type != .string
        default: return false
        }
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

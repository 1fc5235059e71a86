public import AWSKit
public import Foundation
public import HTTPClient

/// The guardrails' state in one DynamoDB table, shared by every worker on every machine: of
/// any number of workers admitting runs for one target at once, one gets the lease.
///
/// The table (``ensureTable(timeout:)`` makes it) has the partition key `pk` and the sort key
/// `sk`, both strings, on-demand billing, and DynamoDB's TTL on `expires_at` (epoch seconds).
/// Times the store compares are whole milliseconds since 1970, in attributes ending `_ms`:
///
/// | pk | sk | attributes |
/// |---|---|---|
/// | `PAUSE` | `PAUSE` | `since_ms`, `reason`, `paused_by` |
/// | `EVENT#<event key>` | `EVENT` | `run_id`, `first_seen_ms`, `expires_ms`, `expires_at` |
/// | `HOLD` | `<target>` | `run_id`, `runbook`, `journal`, `mutations`, `started_ms` |
/// | `LEASE` | `<target>` | `run_id`, `runbook`, `journal`, `host`, `pid`, `started_ms`, `expires_ms`, `cooldown_ms`, `mutations` |
/// | `COOLDOWN#<target>` | `<runbook>` | `run_id`, `until_ms`, `expires_at` |
/// | `MUTATION#<target>` | `<at_ms, 16 digits>#<run id>#<uuid>` | `run_id`, `at_ms`, `expires_at` |
/// | `DECISION` | `<time_ms, 16 digits>#<id>` | `id`, `time_ms`, `source`, `event_id`, `runbook`, `target`, `outcome`, `reason`, `journal`, `expires_at` |
///
/// Leases and holds share one partition each, so that reclaiming and listing them is a `Query`,
/// not a `Scan` of every event, mutation and decision. TTL only clears old items away: it
/// deletes lazily, so every condition compares the `_ms` times itself, and leases, holds and the
/// pause have no `expires_at` at all, since losing one would lose a guardrail.
///
/// ``admit(_:at:)`` is one `TransactWriteItems` whose conditions are the guardrails; the mutation
/// budget is read just before it with a `Query`. That read is exact because only the target's
/// lease holder records mutations (``recordMutation(runID:target:at:)`` requires the lease, unexpired),
/// and the lease is exclusive; what remains is the clock skew between two machines at a lease's end.
///
/// Workers need `dynamodb:GetItem`, `PutItem`, `UpdateItem`, `DeleteItem`, `ConditionCheckItem`
/// and `Query` on the table (transactions are allowed item by item); ``ensureTable(timeout:)``
/// also `DescribeTable` and `DescribeTimeToLive`, and `CreateTable` and `UpdateTimeToLive` when it
/// has the table to create or TTL to turn on.
public struct DynamoDBGuardrailStore: GuardrailStore {
    /// The table's name.
    public let table: String
    let client: AWSServiceClient

    /// The most bytes of an identifier (target, runbook, run id, event key, journal, host): keys
    /// of DynamoDB take at most 1,024 bytes in a sort key.
    public static let maximumKeyText = 1000
    /// The most bytes of a decision's texts the store keeps.
    public static let maximumText = 4096
    /// The most decisions ``decisions(limit:)`` returns.
    public static let maximumDecisions = 10_000
    /// How long the decision index keeps a decision; journals keep them for good.
    public static let decisionRetention = 90 * 86_400.0

    /// A store on `table`, its calls sent to `endpoint` in `region`, signed with `credentials`.
    ///
    /// - Throws: ``RunbookError`` when `table` is not a DynamoDB table name.
    public init(table: String, region: String, endpoint: URL, transport: any HTTPTransport = CurlTransport.shared,
                credentials: @escaping @Sendable () async throws -> AWSCredentials) throws(RunbookError) {
        try self.init(table: table, client: AWSServiceClient(model: try Self.model(), region: region, endpoint: endpoint,
                                                             transport: transport, credentials: credentials))
    }

    /// A store on `table` with the AWS settings a command gives its engine: `--region`,
    /// `--profile`, `--endpoint-url` and the environment, resolved and checked as the engine's
    /// `aws.dynamodb` calls are, credentials from the AWS CLI's chain unless the settings give them.
    ///
    /// ```swift
    /// let store = try DynamoDBGuardrailStore(table: "runbook-guardrails", aws: awsOptions.settings)
    /// try await store.ensureTable()
    /// ```
    ///
    /// - Throws: ``RunbookError`` when a setting is wrong, no region is set, or `table` is not a
    ///   DynamoDB table name.
    public init(table: String, aws settings: AWSSettings, transport: (any HTTPTransport)? = nil) throws(RunbookError) {
        let resolved = try ResolvedAWS(settings, services: [], transport: transport)
        let client: AWSServiceClient
        do {
            client = try resolved.client(model: try Self.model())
        } catch {
            throw RunbookError(.invalid, "the guardrail table \(table): \(error)")
        }
        try self.init(table: table, client: client)
    }

    init(table: String, client: AWSServiceClient) throws(RunbookError) {
        guard (3...255).contains(table.utf8.count), table.allSatisfy(Self.tableNameCharacters.contains) else {
            throw RunbookError(.invalid, "\(table.prefix(300).debugDescription) is not a DynamoDB table name: 3 to 255 letters, digits, `_`, `-` and `.`")
        }
        self.table = table
        self.client = client
    }

    private static let tableNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")

    private static func model() throws(RunbookError) -> AWSServiceModel {
        do { return try AWSServiceModel.load("dynamodb") } catch {
            throw RunbookError(.invalid, "the dynamodb service model cannot be read: \(error)")
        }
    }

    // MARK: The table

    /// Creates the table when it does not exist (on-demand billing), waits until it can be used,
    /// and turns DynamoDB's TTL on for `expires_at` when it is off. Several workers may call it at once.
    ///
    /// - Throws: ``RunbookError`` when the table exists with another key schema, or is being
    ///   deleted, or is not ready within `timeout`; ``AWSKit/AWSServiceError`` when AWS refuses.
    public func ensureTable(timeout: Duration = .seconds(300)) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var created = false
        while true {
            let description: AWSValue
            do {
                description = try await client.send(operation: "DescribeTable", input: .map(["TableName": .string(table)]))["Table"] ?? .null
            } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" && !created {
                try await createTable()
                created = true
                continue
            } catch let error as AWSServiceError where error.code == "ResourceNotFoundException" {
                // A table just created may not be described yet.
                try await waitForTable(until: deadline, status: "not found yet")
                continue
            }
            try checkKeySchema(description)
            let status = description["TableStatus"]?.stringValue ?? ""
            // An updating table (a capacity or TTL change) serves reads and writes as an active one.
            if status == "ACTIVE" || status == "UPDATING" { break }
            guard status == "CREATING" else {
                throw RunbookError(.io, "the guardrail table \(table) is \(status.isEmpty ? "of no status" : status), not usable",
                                   hint: "give another table name, or wait until the table is restored")
            }
            try await waitForTable(until: deadline, status: status)
        }
        let ttl = try await client.send(operation: "DescribeTimeToLive", input: .map(["TableName": .string(table)]))
        if ttl["TimeToLiveDescription"]?["TimeToLiveStatus"]?.stringValue ?? "DISABLED" == "DISABLED" {
            _ = try await client.send(operation: "UpdateTimeToLive", input: .map([
                "TableName": .string(table),
                "TimeToLiveSpecification": .map(["Enabled": .bool(true), "AttributeName": .string("expires_at")]),
            ]))
        }
    }

    private func createTable() async throws {
        do {
            _ = try await client.send(operation: "CreateTable", input: .map([
                "TableName": .string(table), "BillingMode": .string("PAY_PER_REQUEST"),
                "AttributeDefinitions": .list(["pk", "sk"].map { .map(["AttributeName": .string($0), "AttributeType": .string("S")]) }),
                "KeySchema": .list([("pk", "HASH"), ("sk", "RANGE")].map {
                    .map(["AttributeName": .string($0.0), "KeyType": .string($0.1)])
                }),
            ]))
        } catch let error as AWSServiceError where error.code == "ResourceInUseException" {
            // Another worker created it first.
        }
    }

    private func waitForTable(until deadline: ContinuousClock.Instant, status: String) async throws {
        guard ContinuousClock.now < deadline else {
            throw RunbookError(.io, "the guardrail table \(table) is still \(status.lowercased()) after waiting for it")
        }
        try await Task.sleep(for: .seconds(1))
    }

    private func checkKeySchema(_ description: AWSValue) throws(RunbookError) {
        let keys = (description["KeySchema"]?.listValue ?? []).map {
            "\($0["AttributeName"]?.stringValue ?? "?") \($0["KeyType"]?.stringValue ?? "?")"
        }
        let types = Dictionary((description["AttributeDefinitions"]?.listValue ?? []).map {
            ($0["AttributeName"]?.stringValue ?? "", $0["AttributeType"]?.stringValue ?? "")
        }, uniquingKeysWith: { first, _ in first })
        guard keys.sorted() == ["pk HASH", "sk RANGE"], types["pk"] == "S", types["sk"] == "S" else {
            throw RunbookError(.invalid, "the table \(table) has the key schema \(keys.joined(separator: ", ")); the guardrail store needs pk (string, HASH) and sk (string, RANGE)",
                               hint: "give the name of a table for the guardrails only, or a new name for the store to create")
        }
    }

    // MARK: Pause

    /// Stops every automated run until ``resume()``; pausing again keeps the first pause's time.
    public func pause(reason: String?, by: String?, at: Date) async throws {
        let since = try Self.milliseconds(at)
        var sets = ["#since_ms = if_not_exists(#since_ms, :since)"]
        var removes: [String] = []
        var values: [String: AWSValue] = [":since": .dynamoNumber(since)]
        for (attribute, text) in [("reason", reason), ("paused_by", by)] {
            if let text {
                sets.append("#\(attribute) = :\(attribute)")
                values[":\(attribute)"] = .dynamoString(text.capped(to: Self.maximumText))
            } else {
                removes.append("#\(attribute)")
            }
        }
        let update = "SET " + sets.joined(separator: ", ") + (removes.isEmpty ? "" : " REMOVE " + removes.joined(separator: ", "))
        _ = try await client.send(operation: "UpdateItem", input: .map(operation(Self.pauseKey, update: update, values: values)))
    }

    /// Lifts the pause; false when nothing was paused.
    public func resume() async throws -> Bool {
        try await deleteReturningOld(Self.pauseKey)
    }

    /// The pause in force, if any.
    public func pauseState() async throws -> PauseState? {
        try await get(Self.pauseKey).map(Self.pauseState)
    }

    // MARK: Admission

    /// Decides with one `TransactWriteItems`, in the order of ``GuardrailStore/admit(_:at:)``.
    /// An expired lease counts as absent, unless its run had sent a mutation: then the target is
    /// refused as held, as ``reclaimExpiredLeases(at:)`` will hold it. A dry run's lease has
    /// `mutationsLeft` 0, since it sends none.
    ///
    /// When the transaction is cancelled, or the budget is spent, the guarded items are read in one
    /// consistent `TransactGetItems` and the first guardrail that refuses on them is the answer;
    /// when none does any more (another transaction held an item, or the conflicting run released
    /// meanwhile) the transaction is tried again.
    ///
    /// - Throws: ``RunbookError`` when the request has a number out of range or an identifier
    ///   longer than ``maximumKeyText``, or other transactions kept cancelling this one;
    ///   ``AWSKit/AWSServiceError`` when DynamoDB refuses or throttles: the caller then runs nothing.
    public func admit(_ request: AdmissionRequest, at: Date) async throws -> Admission {
        try request.check(maximumText: Self.maximumKeyText)
        let now = try Self.milliseconds(at)
        let used = request.live ? try await mutations(target: request.target, after: now - Self.milliseconds(seconds: request.window)) : 0
        let budgetSpent = request.live && used >= request.maxMutations
        let expires = now + Self.milliseconds(seconds: request.leaseSeconds)
        let until = now + Self.milliseconds(seconds: request.cooldown)
        let atNow: [String: AWSValue] = [":now": .dynamoNumber(now)]
        var writes = [["ConditionCheck": operation(Self.pauseKey, condition: "attribute_not_exists(#pk)")]]
        if let key = request.eventKey {
            let dedupEnd = now + Self.milliseconds(seconds: request.dedupSeconds)
            writes.append(["Put": operation(Self.eventKey(key), item: [
                "run_id": .dynamoString(request.runID), "first_seen_ms": .dynamoNumber(now), "expires_ms": .dynamoNumber(dedupEnd),
                "expires_at": .dynamoNumber(Self.ttl(dedupEnd)),
            ], condition: "attribute_not_exists(#pk) OR #expires_ms <= :now", values: atNow)])
        }
        writes.append(["ConditionCheck": operation(Self.holdKey(request.target), condition: "attribute_not_exists(#pk)")])
        writes.append(["Put": operation(Self.leaseKey(request.target), item: [
            "run_id": .dynamoString(request.runID), "runbook": .dynamoString(request.runbook), "journal": .dynamoString(request.journal),
            "host": .dynamoString(request.holder.host), "pid": .dynamoNumber(Int64(request.holder.pid)),
            "started_ms": .dynamoNumber(now), "expires_ms": .dynamoNumber(expires),
            "cooldown_ms": .dynamoNumber(Self.milliseconds(seconds: request.cooldown)), "mutations": .dynamoNumber(0),
        ], condition: "attribute_not_exists(#pk) OR (#expires_ms <= :now AND #mutations = :zero)",
           values: atNow.merging([":zero": .dynamoNumber(0)]) { first, _ in first })])
        writes.append(["Put": operation(Self.cooldownKey(runbook: request.runbook, target: request.target), item: [
            "run_id": .dynamoString(request.runID), "until_ms": .dynamoNumber(until), "expires_at": .dynamoNumber(Self.ttl(until)),
        ], condition: "attribute_not_exists(#pk) OR #until_ms <= :now", values: atNow)])

        for attempt in 0..<Self.admissionAttempts {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(Int.random(in: 20...100))) }
            if !budgetSpent {
                do {
                    try await transact(writes)
                    return .admitted(Lease(target: request.target, runID: request.runID, expires: Self.date(expires),
                                           mutationsLeft: request.live ? request.maxMutations - used : 0))
                } catch let error as AWSServiceError where Self.isCancelledByConditions(error) {
                    // A guardrail refused, or another transaction held one of the items: the read says which.
                }
            }
            do {
                if let refusal = try await refusal(request, now: now, used: used) { return .refused(refusal) }
            } catch let error as AWSServiceError where Self.isCancelledByConditions(error) {
                // The read met another transaction writing its items (TransactionConflict).
            }
        }
        throw RunbookError(.io, "admission of \(request.runbook) for \(request.target): other workers' transactions on its items cancelled it \(Self.admissionAttempts) times in a row",
                           hint: "nothing ran; the next event for the target is admitted as usual")
    }

    /// How many times ``admit(_:at:)`` tries while other transactions hold its items; it waits a
    /// few tens of milliseconds, at random so that workers colliding once do not collide again.
    static let admissionAttempts = 5

    /// The first guardrail that refuses `request` on the items as they are now, in the order of
    /// ``GuardrailStore/admit(_:at:)``; `used` is the budget the caller counted.
    private func refusal(_ request: AdmissionRequest, now: Int64, used: Int) async throws -> Refusal? {
        let pauseKey = Self.pauseKey
        let eventKey = request.eventKey.map(Self.eventKey)
        let holdKey = Self.holdKey(request.target)
        let leaseKey = Self.leaseKey(request.target)
        let cooldownKey = Self.cooldownKey(runbook: request.runbook, target: request.target)
        let items = try await read([pauseKey, eventKey, holdKey, leaseKey, cooldownKey].compactMap { $0 })
        if let pause = items[pauseKey] { return .paused(try Self.pauseState(pause)) }
        if let key = request.eventKey, let eventKey, let event = items[eventKey], try event.milliseconds("expires_ms") > now {
            return .duplicate(eventKey: key, runID: try event.string("run_id"), firstSeen: try event.date("first_seen_ms"))
        }
        if let hold = items[holdKey] { return .held(try Self.interruptedRun(hold, target: request.target)) }
        if let lease = items[leaseKey] {
            let expires = try lease.milliseconds("expires_ms")
            if expires > now {
                return .leaseHeld(runID: try lease.string("run_id"), runbook: try lease.string("runbook"), expires: Self.date(expires))
            }
            let run = try Self.interruptedRun(lease, target: request.target)
            if run.mutations > 0 { return .held(run) }
        }
        if let cooldown = items[cooldownKey] {
            let until = try cooldown.milliseconds("until_ms")
            if until > now { return .coolingDown(until: Self.date(until)) }
        }
        if request.live && used >= request.maxMutations {
            return .budgetSpent(used: used, max: request.maxMutations, window: request.window)
        }
        return nil
    }

    /// Mutations counted against `target` later than `after` (milliseconds).
    private func mutations(target: String, after: Int64) async throws -> Int {
        var count = 0
        try await query(operation(nil, values: [
            ":pk": .dynamoString(Self.mutationPartition(target)), ":from": .dynamoString(Self.sortableTime(max(0, after + 1))),
        ], extra: ["KeyConditionExpression": .string("#pk = :pk AND #sk >= :from"), "Select": .string("COUNT")])) { page in
            guard case .integer(let found)? = page["Count"], (0...Int64(Self.maximumPageItems)).contains(found) else {
                throw RunbookError(.io, "the guardrail table \(table) answered a Query with the count \(page["Count"]?.description ?? "missing")")
            }
            count += Int(found)
            return true
        }
        return count
    }

    // MARK: Runs

    /// Counts one mutating call against the target's budget and the run's lease, in one
    /// transaction, before the call is sent.
    ///
    /// - Throws: ``RunbookError`` when the run does not hold the target's lease, unexpired: it
    ///   ended, it expired, or another run took it, and the call must not be sent, since another
    ///   run may be changing the target.
    public func recordMutation(runID: String, target: String, at: Date) async throws {
        try AdmissionRequest.checkIdentifier(runID, "run id", maximumText: Self.maximumKeyText)
        try AdmissionRequest.checkIdentifier(target, "target", maximumText: Self.maximumKeyText)
        let now = try Self.milliseconds(at)
        // Kept as long as the longest budget window any runbook may declare.
        let kept = Self.ttl(now + Self.milliseconds(seconds: RunbookAutomation.windowRange.upperBound))
        do {
            try await transact([
                ["Update": operation(Self.leaseKey(target), update: "SET #mutations = #mutations + :one",
                                     condition: "#run_id = :run AND #expires_ms > :now",
                                     values: [":one": .dynamoNumber(1), ":run": .dynamoString(runID), ":now": .dynamoNumber(now)])],
                ["Put": operation(DynamoDBKey(pk: Self.mutationPartition(target),
                                              sk: "\(Self.sortableTime(now))#\(runID)#\(UUID().uuidString.lowercased())"),
                                  item: ["run_id": .dynamoString(runID), "at_ms": .dynamoNumber(now), "expires_at": .dynamoNumber(kept)])],
            ])
        } catch let error as AWSServiceError where Self.isCancelledByConditions(error) {
            throw AdmissionRequest.leaseNotHeld(runID: runID, target: target)
        }
    }

    /// Ends the run's lease and restarts its cooldown from `at`; does nothing when the run no
    /// longer holds the lease (it expired and was reclaimed, or another run took it).
    public func release(runID: String, target: String, at: Date) async throws {
        let now = try Self.milliseconds(at)
        let leaseKey = Self.leaseKey(target)
        guard let lease = try await get(leaseKey), try lease.string("run_id") == runID else { return }
        // A cooldown never moves earlier than the one admission started.
        let until = max(now, try lease.milliseconds("started_ms"))
            + (try lease.integer("cooldown_ms", in: 0...Self.milliseconds(seconds: RunbookAutomation.cooldownRange.upperBound)))
        do {
            try await transact([
                ["Delete": operation(leaseKey, condition: "#run_id = :run", values: [":run": .dynamoString(runID)])],
                ["Put": operation(Self.cooldownKey(runbook: try lease.string("runbook"), target: target), item: [
                    "run_id": .dynamoString(runID), "until_ms": .dynamoNumber(until), "expires_at": .dynamoNumber(Self.ttl(until)),
                ])],
            ])
        } catch let error as AWSServiceError where Self.isCancelledByConditions(error) {
            // Reclaimed or taken since it was read: there is nothing of this run's to release.
        }
    }

    /// Removes leases that expired, each in a transaction conditioned on the lease as it was
    /// read: of two workers reclaiming at once, one returns a run and the other does not. A
    /// holder's process id is never checked, since it may be another machine's.
    public func reclaimExpiredLeases(at: Date) async throws -> [InterruptedRun] {
        let now = try Self.milliseconds(at)
        var expired: [DynamoDBItem] = []
        try await query(operation(nil, values: [":pk": .dynamoString(Self.leasePartition), ":now": .dynamoNumber(now)], extra: [
            "KeyConditionExpression": .string("#pk = :pk"), "FilterExpression": .string("#expires_ms <= :now"),
        ])) { page in
            try self.collect(page, partition: Self.leasePartition, into: &expired)
            return true
        }
        var interrupted: [InterruptedRun] = []
        for lease in expired {
            let run = try Self.interruptedRun(lease, target: lease.key.sk)
            var writes = [["Delete": operation(lease.key, condition: "#run_id = :run AND #expires_ms <= :now AND #mutations = :mutations", values: [
                ":run": .dynamoString(run.runID), ":now": .dynamoNumber(now), ":mutations": .dynamoNumber(Int64(run.mutations)),
            ])]]
            if run.mutations > 0 {
                // A hold already there stays: it is the first half-done run a person must look at.
                let fields: [(String, AWSValue)] = [
                    ("run_id", .dynamoString(run.runID)), ("runbook", .dynamoString(run.runbook)), ("journal", .dynamoString(run.journal)),
                    ("mutations", .dynamoNumber(Int64(run.mutations))), ("started_ms", .dynamoNumber(try lease.milliseconds("started_ms"))),
                ]
                writes.append(["Update": operation(Self.holdKey(run.target),
                                                   update: "SET " + fields.map { "#\($0.0) = if_not_exists(#\($0.0), :\($0.0))" }.joined(separator: ", "),
                                                   values: Dictionary(uniqueKeysWithValues: fields.map { (":\($0.0)", $0.1) }))])
            }
            do {
                try await transact(writes)
                interrupted.append(run)
            } catch let error as AWSServiceError where Self.isCancelledByConditions(error) {
                // Another worker reclaimed it, or its run released or counted a mutation since it was read.
            }
        }
        return interrupted
    }

    /// Lifts the hold an interrupted run put on `target`; false when there was none.
    public func clearHold(target: String) async throws -> Bool {
        try AdmissionRequest.checkIdentifier(target, "target", maximumText: Self.maximumKeyText)
        return try await deleteReturningOld(Self.holdKey(target))
    }

    // MARK: Decisions

    /// Adds a decision to the index for ``decisionRetention``, each text cut to ``maximumText``
    /// bytes: a decision is recorded even when an event carried an overlong field.
    public func record(_ decision: DecisionRecord) async throws {
        let time = try Self.milliseconds(decision.time)
        var item: [String: AWSValue] = [
            "id": decision.id, "source": decision.source, "event_id": decision.eventID, "outcome": decision.outcome,
            "reason": decision.reason, "journal": decision.journal,
        ].mapValues { .dynamoString($0.capped(to: Self.maximumText)) }
        item["runbook"] = decision.runbook.map { .dynamoString($0.capped(to: Self.maximumText)) }
        item["target"] = decision.target.map { .dynamoString($0.capped(to: Self.maximumText)) }
        item["time_ms"] = .dynamoNumber(time)
        item["expires_at"] = .dynamoNumber(Self.ttl(time + Self.milliseconds(seconds: Self.decisionRetention)))
        let key = DynamoDBKey(pk: Self.decisionPartition, sk: "\(Self.sortableTime(time))#\(decision.id.capped(to: Self.maximumKeyText))")
        _ = try await client.send(operation: "PutItem", input: .map(operation(key, item: item)))
    }

    /// The latest decisions, newest first; `limit` is taken within 0...``maximumDecisions``.
    public func decisions(limit: Int) async throws -> [DecisionRecord] {
        let limit = min(max(limit, 0), Self.maximumDecisions)
        guard limit > 0 else { return [] }
        var items: [DynamoDBItem] = []
        try await query(operation(nil, values: [":pk": .dynamoString(Self.decisionPartition)], extra: [
            "KeyConditionExpression": .string("#pk = :pk"), "ScanIndexForward": .bool(false), "Limit": .integer(Int64(limit)),
        ])) { page in
            try self.collect(page, partition: Self.decisionPartition, into: &items)
            return items.count < limit
        }
        return try items.prefix(limit).map { item in
            DecisionRecord(id: try item.string("id"), time: try item.date("time_ms"), source: try item.string("source"),
                           eventID: try item.string("event_id"), runbook: try item.optionalString("runbook"),
                           target: try item.optionalString("target"), outcome: try item.string("outcome"),
                           reason: try item.string("reason"), journal: try item.string("journal"))
        }
    }

    // MARK: Keys

    static let pauseKey = DynamoDBKey(pk: "PAUSE", sk: "PAUSE")
    static func eventKey(_ key: String) -> DynamoDBKey { DynamoDBKey(pk: "EVENT#" + key, sk: "EVENT") }
    static func holdKey(_ target: String) -> DynamoDBKey { DynamoDBKey(pk: "HOLD", sk: target) }
    static let leasePartition = "LEASE"
    static func leaseKey(_ target: String) -> DynamoDBKey { DynamoDBKey(pk: leasePartition, sk: target) }
    static func cooldownKey(runbook: String, target: String) -> DynamoDBKey { DynamoDBKey(pk: "COOLDOWN#" + target, sk: runbook) }
    static func mutationPartition(_ target: String) -> String { "MUTATION#" + target }
    static let decisionPartition = "DECISION"

    // MARK: Requests

    /// The members of a `Put`, `Update`, `Delete` or `ConditionCheck` (of a transaction, or sent
    /// alone as `PutItem`, `UpdateItem`, `DeleteItem`), or of a `Query` when `key` is nil. The
    /// expressions name every attribute as `#name`, so no attribute clashes with DynamoDB's
    /// reserved words (`source`, `time`).
    private func operation(_ key: DynamoDBKey?, item: [String: AWSValue]? = nil, update: String? = nil, condition: String? = nil,
                           values: [String: AWSValue] = [:], extra: [String: AWSValue] = [:]) -> [String: AWSValue] {
        var members = extra
        members["TableName"] = .string(table)
        if let key {
            if let item {
                members["Item"] = .map(item.merging(["pk": .dynamoString(key.pk), "sk": .dynamoString(key.sk)]) { _, keyPart in keyPart })
            } else {
                members["Key"] = key.value
            }
        }
        members["UpdateExpression"] = update.map(AWSValue.string)
        members["ConditionExpression"] = condition.map(AWSValue.string)
        let expressions = [update, condition] + ["KeyConditionExpression", "FilterExpression"].map { extra[$0]?.stringValue }
        let names = Self.attributeNames(in: expressions.compactMap { $0 }.joined(separator: " "))
        if !names.isEmpty { members["ExpressionAttributeNames"] = .map(names.mapValues(AWSValue.string)) }
        if !values.isEmpty { members["ExpressionAttributeValues"] = .map(values) }
        return members
    }

    /// `#name` placeholders of `expression`, each standing for the attribute `name`.
    static func attributeNames(in expression: String) -> [String: String] {
        var names: [String: String] = [:]
        for match in expression.matches(of: #/#([A-Za-z0-9_]+)/#) { names[String(match.0)] = String(match.1) }
        return names
    }

    /// Sends writes, each `["Put": members]` (or `Update`, `Delete`, `ConditionCheck`), as one transaction.
    private func transact(_ writes: [[String: [String: AWSValue]]]) async throws {
        _ = try await client.send(operation: "TransactWriteItems", input: .map([
            "TransactItems": .list(writes.map { .map($0.mapValues(AWSValue.map)) }),
        ]))
    }

    private func get(_ key: DynamoDBKey) async throws -> DynamoDBItem? {
        let answer = try await client.send(operation: "GetItem", input: .map(operation(key, extra: ["ConsistentRead": .bool(true)])))
        return DynamoDBItem(answer["Item"], key: key)
    }

    /// `keys`' items as one serializable read; a key without an item has none in the answer.
    private func read(_ keys: [DynamoDBKey]) async throws -> [DynamoDBKey: DynamoDBItem] {
        let answer = try await client.send(operation: "TransactGetItems", input: .map([
            "TransactItems": .list(keys.map { .map(["Get": .map(operation($0))]) }),
        ]))
        guard let responses = answer["Responses"]?.listValue, responses.count == keys.count else {
            throw RunbookError(.io, "the guardrail table \(table) answered TransactGetItems of \(keys.count) items with \(answer["Responses"]?.listValue?.count ?? 0)")
        }
        var items: [DynamoDBKey: DynamoDBItem] = [:]
        for (key, response) in zip(keys, responses) { items[key] = DynamoDBItem(response["Item"], key: key) }
        return items
    }

    /// Deletes `key`'s item; false when there was none.
    private func deleteReturningOld(_ key: DynamoDBKey) async throws -> Bool {
        let answer = try await client.send(operation: "DeleteItem", input: .map(operation(key, extra: ["ReturnValues": .string("ALL_OLD")])))
        return DynamoDBItem(answer["Attributes"], key: key) != nil
    }

    /// Sends a `Query` strongly consistent, page after page, while `page` returns true and there are more.
    private func query(_ input: [String: AWSValue], page: (AWSValue) throws -> Bool) async throws {
        var input = input
        input["ConsistentRead"] = .bool(true)
        for _ in 0..<Self.maximumPages {
            let answer = try await client.send(operation: "Query", input: .map(input))
            guard try page(answer), let next = answer["LastEvaluatedKey"], next.fields?.isEmpty == false else { return }
            input["ExclusiveStartKey"] = next
        }
        throw RunbookError(.io, "the guardrail table \(table) answered a Query with more than \(Self.maximumPages) pages")
    }

    /// A Query's answer has at most 1 MB of items; a page past this is not DynamoDB's.
    static let maximumPageItems = 1_000_000
    static let maximumPages = 10_000

    /// Adds a Query page's items to `items`, each item's key read from it.
    private func collect(_ page: AWSValue, partition: String, into items: inout [DynamoDBItem]) throws {
        guard let found = page["Items"]?.listValue, found.count <= Self.maximumPageItems else {
            throw RunbookError(.io, "the guardrail table \(table) answered a Query without its items")
        }
        for value in found {
            guard let sk = value["sk"]?["S"]?.stringValue, let item = DynamoDBItem(value, key: DynamoDBKey(pk: partition, sk: sk)) else {
                throw RunbookError(.io, "the guardrail table \(table) answered a Query of \(partition) with an item without a sort key")
            }
            items.append(item)
        }
    }

    /// Whether a transaction was cancelled only because a condition failed or another
    /// transaction held an item: the guardrails refused, or a retry may pass. Any other reason
    /// (throttling, validation, capacity) is an error for the caller.
    ///
    /// The reasons come from the message, `... [None, ConditionalCheckFailed]`, one per item in
    /// order, as DynamoDB writes it; AWSKit's error keeps the message, not the body's
    /// `CancellationReasons`, and the items are read again anyway to say why.
    static func isCancelledByConditions(_ error: AWSServiceError) -> Bool {
        guard error.code == "TransactionCanceledException" else { return false }
        guard let open = error.message.lastIndex(of: "["), let close = error.message.lastIndex(of: "]"), open < close else { return true }
        return error.message[error.message.index(after: open)..<close].split(separator: ",").allSatisfy {
            ["None", "ConditionalCheckFailed", "TransactionConflict"].contains($0.trimmingCharacters(in: .whitespaces))
        }
    }

    // MARK: Values

    private static func pauseState(_ item: DynamoDBItem) throws(RunbookError) -> PauseState {
        PauseState(reason: try item.optionalString("reason"), by: try item.optionalString("paused_by"), since: try item.date("since_ms"))
    }

    /// The run a lease or hold item names.
    private static func interruptedRun(_ item: DynamoDBItem, target: String) throws(RunbookError) -> InterruptedRun {
        InterruptedRun(runID: try item.string("run_id"), runbook: try item.string("runbook"), target: target,
                       journal: try item.string("journal"), mutations: try item.count("mutations"), started: try item.date("started_ms"))
    }

    /// Milliseconds of the years 1970 to 9999: an answer's time outside them is not one this store wrote.
    static let millisecondRange: ClosedRange<Int64> = 0...253_402_300_799_999

    /// Whole milliseconds since 1970 of a time passed in.
    static func milliseconds(_ date: Date) throws(RunbookError) -> Int64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, (0...253_402_300_799).contains(seconds) else {
            throw RunbookError(.invalid, "the guardrail store was given the time \(seconds), not one from 1970 to 9999")
        }
        return Int64((seconds * 1000).rounded())
    }

    /// Milliseconds of a duration the request checks bounded to well under a year.
    static func milliseconds(seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// DynamoDB's TTL takes whole epoch seconds: rounded up, so an item is never deleted before it ends.
    static func ttl(_ milliseconds: Int64) -> Int64 { (milliseconds + 999) / 1000 }

    /// A time as sixteen digits, so that sort keys order as times do.
    static func sortableTime(_ milliseconds: Int64) -> String {
        let digits = String(milliseconds)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}

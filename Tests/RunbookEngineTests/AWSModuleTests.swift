import AWSKit
import Foundation
import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// `aws.<client>.<operation>{...}` from runbooks against moto, behind the proxy that checks every
/// request's signature and records what left. One server for the suite; names are unique per test.
@Suite(.serialized)
struct AWSModuleTests {
    static let shared = SharedMotoServer()

    let unique = UUID().uuidString.prefix(8).lowercased()

    func run(
        _ body: String, params: String = "", arguments: [String] = [], dryRun: Bool = false, timeout: Double? = nil
    ) async throws -> RunRecord {
        let moto = try await Self.shared.get()
        let configuration = EngineConfiguration(aws: AWSSettings(region: "us-east-1", endpointURL: moto.url) { [moto] in
            AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)
        })
        let record = try await RunbookEngineTests.run(runbookSource(body, params: params), arguments: arguments, dryRun: dryRun,
                                                      timeout: timeout, configuration: configuration)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        return record
    }

    func lastResult(_ record: RunRecord) -> LuaValue? { record.events(.stepFinished).last?.result }

    /// Starts one instance in moto from a runbook and returns its id.
    func runInstance() async throws -> String {
        let started = try await run("""
            local image = aws.ec2.describe_images{}.imagesSet[1].imageId
            local answer = aws.ec2.run_instances{ ImageId = image, MinCount = 1, MaxCount = 1, InstanceType = "t3.micro" }
            step("instance", function() return answer.instancesSet[1].instanceId end)
            """)
        return try #require(lastResult(started)?.stringValue)
    }

    /// What the proxy saw while `body` ran.
    func proxied(during body: () async throws -> Void) async throws -> [MotoServer.ProxiedRequest] {
        let moto = try await Self.shared.get()
        let before = try await moto.requests().count
        try await body()
        return Array(try await moto.requests().dropFirst(before))
    }

    @Test func eachServiceAnswersARunbookWithMotosData() async throws {
        let record = try await run("""
            aws.sqs.create_queue{ QueueName = "q-\(unique)" }
            aws.dynamodb.create_table{ TableName = "t-\(unique)", BillingMode = "PAY_PER_REQUEST",
              KeySchema = { { AttributeName = "id", KeyType = "HASH" } },
              AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } } }
            aws.sns.create_topic{ Name = "topic-\(unique)" }
            aws.logs.create_log_group{ logGroupName = "/runbook/\(unique)" }
            aws.s3.create_bucket{ Bucket = "bucket-\(unique)" }
            aws.route53.create_hosted_zone{ Name = "\(unique).example.com", CallerReference = "ref-\(unique)" }
            local function has(list, field, wanted)
              for _, item in ipairs(list or {}) do
                local value = field and item[field] or item
                if type(value) == "string" and value:find(wanted, 1, true) then return true end
              end
              return false
            end
            step("answers", function()
              local zones = aws.route53.list_hosted_zones{}
              return {
                vpc = aws.ec2.describe_vpcs{}.vpcSet[1].vpcId,
                queue = has(aws.sqs.list_queues{}.QueueUrls, nil, "q-\(unique)"),
                table = has(aws.dynamodb.list_tables{}.TableNames, nil, "t-\(unique)"),
                topic = has(aws.sns.list_topics{}.Topics, "TopicArn", "topic-\(unique)"),
                group = has(aws.logs.describe_log_groups{ logGroupNamePrefix = "/runbook/" }.logGroups, "logGroupName", "/runbook/\(unique)"),
                bucket = has(aws.s3.list_buckets{}.Buckets, "Name", "bucket-\(unique)"),
                account = aws.sts.get_caller_identity{}.Account,
                zone = has(zones.HostedZones, "Name", "\(unique).example.com."),
              }
            end)
            """)
        let answers = try #require(lastResult(record)?.tableValue)
        #expect(answers.fields["vpc"]?.stringValue?.hasPrefix("vpc-") == true, "\(answers)")
        for name in ["queue", "table", "topic", "group", "bucket", "zone"] {
            #expect(answers.fields[.string(name)] == true, "\(name): \(answers)")
        }
        #expect(answers.fields["account"]?.stringValue?.count == 12, "\(answers)")
        let calls = record.events(.call)
        #expect(calls.contains { $0.service == "ec2" && $0.operation == "DescribeVpcs" && $0.httpStatus == 200 })
        #expect(calls.contains { $0.service == "route53" && $0.operation == "CreateHostedZone" && $0.effect == "mutate" })
    }

    /// The request was built twice, once for the journal and once to send, so a token the model fills
    /// in (EC2's idempotency `ClientToken`) differed between the journal and the wire; the journal
    /// now holds the request that was sent.
    @Test func theJournaledRequestIsTheOneSentIdempotencyTokenIncluded() async throws {
        let record = try await run("""
            local answer = aws.ec2.create_traffic_mirror_filter{ Description = "t-\(unique)" }
            step("token", function() return answer.clientToken end)
            """)
        let sent = try #require(lastResult(record)?.stringValue)
        let call = record.events(.call).first { $0.operation == "CreateTrafficMirrorFilter" }
        #expect(call?.request?["body"].stringValue?.contains("ClientToken=\(sent)") == true, "\(call?.request ?? .nil)")
    }

    @Test func aDryRunOfTerminateInstancesLeavesTheInstanceRunning() async throws {
        let id = try await runInstance()
        let body = """
            local answer = aws.ec2.terminate_instances{ InstanceIds = { p.id } }
            local described = aws.ec2.describe_instances{ InstanceIds = { p.id } }
            step("state", function()
              return { planned = answer.planned == true, state = described.reservationSet[1].instancesSet[1].instanceState.name }
            end)
            """
        var dry: RunRecord?
        let sent = try await proxied {
            dry = try await run(body, params: #"id = { type = "string", required = true }"#, arguments: ["id=\(id)"], dryRun: true)
        }
        #expect(dry.flatMap(lastResult) == ["planned": true, "state": "running"])
        #expect(sent.map(\.operation) == ["DescribeInstances"], "\(sent.map(\.operation))")
        let planned = dry?.events(.call).first { $0.planned == true }
        #expect(planned?.service == "ec2" && planned?.operation == "TerminateInstances" && planned?.effect == "mutate")
        #expect(planned?.request?["body"].stringValue?.contains("InstanceId.1=\(id)") == true, "\(planned?.request ?? .nil)")

        let live = try await run(body, params: #"id = { type = "string", required = true }"#, arguments: ["id=\(id)"])
        let state = lastResult(live)?.tableValue?.fields["state"]?.stringValue
        #expect(lastResult(live)?.tableValue?.fields["planned"] == false)
        #expect(state == "shutting-down" || state == "terminated", "\(state ?? "nil")")
    }

    @Test func aDryRunOfReceiveMessageLeavesTheMessageVisible() async throws {
        let created = try await run("""
            local queue = aws.sqs.create_queue{ QueueName = "receive-\(unique)" }.QueueUrl
            aws.sqs.send_message{ QueueUrl = queue, MessageBody = "hello \(unique)" }
            step("queue", function() return queue end)
            """)
        let queue = try #require(lastResult(created)?.stringValue)
        let body = """
            local answer = aws.sqs.receive_message{ QueueUrl = p.queue, MaxNumberOfMessages = 1, VisibilityTimeout = 60 }
            step("answer", function()
              return { planned = answer.planned == true, body = answer.Messages and answer.Messages[1].Body or "none" }
            end)
            """
        var dry: RunRecord?
        let sent = try await proxied {
            dry = try await run(body, params: #"queue = { type = "string", required = true }"#, arguments: ["queue=\(queue)"], dryRun: true)
        }
        #expect(dry.flatMap(lastResult) == ["planned": true, "body": "none"])
        #expect(sent.isEmpty, "\(sent.map(\.operation))")
        #expect(dry?.events(.call).first?.request?["body"]["QueueUrl"].stringValue == queue)

        let live = try await run(body, params: #"queue = { type = "string", required = true }"#, arguments: ["queue=\(queue)"])
        #expect(lastResult(live) == ["planned": false, "body": .string("hello \(unique)")])
    }

    @Test func paginateMergesEveryPage() async throws {
        let record = try await run("""
            for i = 1, 3 do
              aws.dynamodb.create_table{ TableName = "page-\(unique)-" .. i, BillingMode = "PAY_PER_REQUEST",
                KeySchema = { { AttributeName = "id", KeyType = "HASH" } },
                AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } } }
            end
            local function mine(names)
              local n = 0
              for _, name in ipairs(names) do if name:find("page-\(unique)", 1, true) then n = n + 1 end end
              return n
            end
            step("pages", function()
              local one = aws.dynamodb.list_tables{ Limit = 1 }
              local all = aws.dynamodb.list_tables{ Limit = 1, paginate = true }
              return { first = #one.TableNames, token = one.LastEvaluatedTableName ~= nil,
                       mine = mine(all.TableNames), merged_token = all.LastEvaluatedTableName == nil }
            end)
            """)
        #expect(lastResult(record) == ["first": 1, "token": true, "mine": 3, "merged_token": true])
        // The paginated call sent one request per page: at least 3 tables, at one a page.
        let listCalls = record.events(.call).filter { $0.operation == "ListTables" }
        #expect(listCalls.count >= 4, "\(listCalls.count)")
    }

    /// The runbook gets sensitive members; the journal (and so the report and the terminal) never
    /// shows them, wherever the runbook puts them.
    @Test func sensitiveMembersReachTheRunbookButNotTheJournal() async throws {
        let record = try await run("""
            local credentials = aws.sts.get_session_token{}.Credentials
            log.info("secret is " .. credentials.SecretAccessKey)
            step("credentials", function()
              return { secret = credentials.SecretAccessKey, token = credentials.SessionToken, key = credentials.AccessKeyId,
                       usable = #credentials.SecretAccessKey > 10 and credentials.SecretAccessKey ~= "<redacted>" }
            end)
            """)
        let result = try #require(lastResult(record)?.tableValue)
        #expect(result.fields["secret"] == "<redacted>" && result.fields["token"] == "<redacted>", "\(result)")
        #expect(result.fields["usable"] == true)
        #expect(result.fields["key"]?.stringValue?.isEmpty == false && result.fields["key"] != "<redacted>")
        let logged = record.events.compactMap(\.message).filter { $0.hasPrefix("secret is") }
        #expect(logged == ["secret is <redacted>"], "\(logged)")
    }

    /// A sensitive input member (an SSM parameter's value) is masked in the request the journal
    /// records, planned or sent; the decrypted value in the answer is masked wherever it goes.
    @Test func sensitiveInputIsMaskedInTheJournaledRequest() async throws {
        let body = """
            local put = aws.ssm.put_parameter{ Name = "/runbook/\(unique)", Value = "hunter2-\(unique)", Type = "SecureString" }
            step("put", function() return { planned = put.planned == true } end)
            """
        let dry = try await run(body, dryRun: true)
        let planned = try #require(dry.events(.call).first { $0.planned == true })
        #expect(planned.operation == "PutParameter" && planned.request?["body"]["Value"] == "<redacted>", "\(planned.request ?? .nil)")
        #expect(planned.request?["body"]["Name"] == .string("/runbook/\(unique)"))

        let live = try await run(body + """
            local got = aws.ssm.get_parameter{ Name = "/runbook/\(unique)", WithDecryption = true }
            step("got", function() return { value = got.Parameter.Value, matches = got.Parameter.Value == "hunter2-\(unique)" } end)
            """)
        #expect(lastResult(live) == ["value": "<redacted>", "matches": true])
        let sent = try #require(live.events(.call).first { $0.operation == "PutParameter" })
        #expect(sent.planned == false && sent.request?["body"]["Value"] == "<redacted>", "\(sent.request ?? .nil)")
        #expect(!live.events.contains { "\($0)".contains("hunter2") })
    }

    @Test func noRegionIsAConfigurationErrorEvenInADryRun() async throws {
        let configuration = EngineConfiguration(aws: AWSSettings(environment: ["HOME": "/nonexistent"]) {
            AWSCredentials(accessKeyID: "AKIDNONE", secretAccessKey: "none")
        })
        for dryRun in [false, true] {
            let record = try await RunbookEngineTests.run(runbookSource("aws.ec2.terminate_instances{ InstanceIds = { \"i-1\" } }"),
                                                          dryRun: dryRun, configuration: configuration)
            #expect(record.result.exit == .usage, "\(record.result.message ?? "")")
            #expect(record.result.message?.contains("no AWS region") == true, "\(record.result.message ?? "")")
        }
    }

    @Test func mistakesAreErrorsNamingTheOperationAndMember() async throws {
        let record = try await run("""
            local function message(f) local ok, err = pcall(f); assert(not ok); return tostring(err) end
            step("errors", function()
              return {
                operation = message(function() return aws.ec2.describe_vpcz{} end),
                member = message(function() return aws.ec2.describe_vpcs{ VpcId = "vpc-1" } end),
                type = message(function() return aws.ec2.describe_vpcs{ VpcIds = { 1 } } end),
                client = message(function() return aws.ec3 end),
                paginate = message(function() return aws.sts.get_caller_identity{ paginate = true } end),
              }
            end)
            """)
        let errors = try #require(lastResult(record)?.tableValue)
        func text(_ name: String) -> String { errors.fields[.string(name)]?.stringValue ?? "" }
        #expect(text("operation").contains("aws.ec2 has no operation describe_vpcz (did you mean describe_vpcs"), "\(text("operation"))")
        #expect(text("member").contains("ec2.DescribeVpcs has no input member VpcId (members: "), "\(text("member"))")
        #expect(text("type").contains("ec2.DescribeVpcs: VpcIds[1]: expected a string, got 1"), "\(text("type"))")
        #expect(text("client").contains("aws has no client ec3"), "\(text("client"))")
        #expect(text("paginate").contains("sts.GetCallerIdentity has no paginator"), "\(text("paginate"))")
    }

    // MARK: Waiters

    @Test func instanceRunningAfterRunInstancesSucceedsLiveAndInADryRun() async throws {
        let id = try await runInstance()
        let body = """
            step("wait", function()
              local answer = aws.ec2.wait("instance_running", { InstanceIds = { p.id } }, { timeout = 30, interval = 0.2 })
              return answer.reservationSet[1].instancesSet[1].instanceState.name
            end)
            """
        for dryRun in [false, true] {
            var record: RunRecord?
            let sent = try await proxied {
                record = try await run(body, params: #"id = { type = "string", required = true }"#, arguments: ["id=\(id)"], dryRun: dryRun)
            }
            #expect(record.flatMap(lastResult) == "running")
            #expect(!sent.isEmpty && sent.allSatisfy { $0.operation == "DescribeInstances" }, "\(sent.map(\.operation))")
            let polls = record?.events(.call) ?? []
            #expect(polls.count == sent.count && polls.allSatisfy {
                $0.service == "ec2" && $0.operation == "DescribeInstances" && $0.effect == "read" && $0.summary == "waiter instance_running"
                    && $0.planned == false && $0.httpStatus == 200
            }, "\(polls)")
        }
    }

    @Test func tableExistsAndTableNotExists() async throws {
        let record = try await run("""
            local name = "wait-\(unique)"
            step("waits", function()
              aws.dynamodb.create_table{ TableName = name, BillingMode = "PAY_PER_REQUEST",
                KeySchema = { { AttributeName = "id", KeyType = "HASH" } },
                AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } } }
              local described = aws.dynamodb.wait("table_exists", { TableName = name }, { interval = 0.2, timeout = 30 })
              aws.dynamodb.delete_table{ TableName = name }
              local gone = aws.dynamodb.wait("table_not_exists", { TableName = name }, { interval = 0.2, timeout = 30 })
              return { status = described.Table.TableStatus, gone = next(gone) == nil }
            end)
            """)
        #expect(lastResult(record) == ["status": "ACTIVE", "gone": true])
        let polls = record.events(.call).filter { $0.operation == "DescribeTable" }
        #expect(polls.first?.httpStatus == 200 && polls.last?.httpStatus == 400, "\(polls)")
        #expect(polls.last?.error == "ResourceNotFoundException" && polls.last?.summary == "waiter table_not_exists")
    }

    /// S3's waiters are status matchers on HeadBucket, whose 404 is an error answer without a body.
    @Test func bucketExistsAndBucketNotExists() async throws {
        let record = try await run("""
            local name = "wait-\(unique)"
            local function message(f) local ok, err = pcall(f); assert(not ok); return tostring(err) end
            step("waits", function()
              aws.s3.create_bucket{ Bucket = name }
              aws.s3.wait("bucket_exists", { Bucket = name })
              aws.s3.wait("bucket_not_exists", { Bucket = name .. "-missing" })
              local poll = aws.poll("s3", "bucket_exists", { Bucket = name })
              return {
                poll = { state = poll.state, matched = poll.matched, observed = poll.observed, interval = poll.interval,
                         timeout = poll.timeout },
                missing = message(function()
                  return aws.s3.wait("bucket_exists", { Bucket = name .. "-missing" }, { timeout = 0.5, interval = 0.2 })
                end),
              }
            end)
            """)
        // botocore's defaults: the waiter's delay, and delay × maxAttempts in all.
        #expect(lastResult(record)?["poll"] == ["state": "success", "matched": "HTTP status 200", "observed": "HTTP 200",
                                                 "interval": 5.0, "timeout": 100.0])
        let missing = try #require(lastResult(record)?["missing"].stringValue)
        #expect(missing.contains("aws.s3.wait bucket_exists: not reached after "), "\(missing)")
        #expect(missing.contains(" polls in ") && missing.hasSuffix("s (last: 404 (HTTP 404))"), "\(missing)")
        let polls = record.events(.call).filter { $0.operation == "HeadBucket" }
        #expect(Array(polls.prefix(3).map(\.httpStatus)) == [200, 404, 200], "\(polls)")
        #expect(polls.count >= 6 && polls.dropFirst(3).allSatisfy { $0.httpStatus == 404 }, "\(polls)")
    }

    /// instance_running's failure acceptors end the wait at the first poll that sees a terminated instance.
    @Test func aFailureAcceptorEndsTheWaitWithAnError() async throws {
        let record = try await run("""
            local image = aws.ec2.describe_images{}.imagesSet[1].imageId
            local id = aws.ec2.run_instances{ ImageId = image, MinCount = 1, MaxCount = 1, InstanceType = "t3.micro" }.instancesSet[1].instanceId
            aws.ec2.terminate_instances{ InstanceIds = { id } }
            step("wait", function()
              local ok, err = pcall(aws.ec2.wait, "instance_running", { InstanceIds = { id } }, { interval = 0.2, timeout = 30 })
              return { ok = ok, err = tostring(err) }
            end)
            """)
        let error = try #require(lastResult(record)?["err"].stringValue)
        #expect(lastResult(record)?["ok"] == false)
        #expect(error.contains("aws.ec2.wait instance_running: failed after 1 poll: some Reservations[].Instances[].State.Name is "), "\(error)")
        #expect(error.contains(#"(last: Reservations[].Instances[].State.Name = [""#), "\(error)")
        #expect(record.events(.call).filter { $0.operation == "DescribeInstances" }.count == 1)
    }

    /// A wait that cannot succeed stops before the step's deadline would cut it, saying why, and
    /// the run goes on and closes its journal.
    @Test func aWaitThatCannotSucceedEndsAtTheStepsDeadline() async throws {
        await untilThisProcessKeepsTime()
        let clock = ContinuousClock()
        let started = clock.now
        let record = try await run("""
            step("wait", { timeout = 2, continue_on_error = true }, function()
              return aws.s3.wait("bucket_exists", { Bucket = "never-\(unique)" }, { interval = 0.7 })
            end)
            step("after", function() return "went on" end)
            """)
        let took = clock.now - started
        let wait = try #require(record.events(.stepFinished).first { $0.name == "wait" })
        #expect(lastResult(record) == "went on")
        #expect(record.events(.runFinished).first?.status == "ok")
        #expect(took < .seconds(5), "\(took)")
        // Under load a poll may still be running when the deadline comes; then the step's timeout says so.
        if wait.status == "failed" {
            let error = wait.error ?? ""
            #expect(error.contains("aws.s3.wait bucket_exists: not reached after "), "\(error)")
            #expect(error.contains("; the step's or the run's deadline comes before the next poll (last: 404 (HTTP 404))"), "\(error)")
            #expect((wait.durationMs ?? 0) < 2_000, "\(wait.durationMs ?? 0)")
        } else {
            #expect(wait.status == "timed_out", "\(wait)")
        }
        #expect(record.events(.call).filter { $0.operation == "HeadBucket" }.count >= 2)
    }

    /// The run's deadline bounds a wait as a step's does.
    @Test func aWaitStopsBeforeTheRunsDeadline() async throws {
        await untilThisProcessKeepsTime()
        let record = try await run("""
            step("wait", { continue_on_error = true }, function()
              return aws.s3.wait("bucket_exists", { Bucket = "never-\(unique)" }, { interval = 1 })
            end)
            """, timeout: 3)
        let wait = try #require(record.events(.stepFinished).first { $0.name == "wait" })
        #expect(record.events(.runFinished).first?.status == "ok")
        #expect(wait.status == "failed", "\(wait)")
        #expect(wait.error?.contains("; the step's or the run's deadline comes before the next poll (last: 404 (HTTP 404))") == true,
                "\(wait.error ?? "")")
    }

    @Test func unknownWaiterNamesAreErrorsListingNearNames() async throws {
        let record = try await run("""
            local function message(f) local ok, err = pcall(f); assert(not ok); return tostring(err) end
            step("errors", function()
              local names = aws.ec2.waiters()
              return {
                near = message(function() return aws.ec2.wait("instance_runing", {}) end),
                none = message(function() return aws.sqs.wait("queue_exists", {}) end),
                far = message(function() return aws.s3.wait("xyz", {}) end),
                options = message(function() return aws.s3.wait("bucket_exists", { Bucket = "b" }, { interval = 0 }) end),
                listed = #names == 43 and names[1] == "bundle_task_complete",
                s3 = table.concat(aws.s3.waiters(), ","),
              }
            end)
            """)
        let errors = try #require(lastResult(record)?.tableValue)
        func text(_ name: String) -> String { errors.fields[.string(name)]?.stringValue ?? "" }
        #expect(text("near").contains("aws.ec2 has no waiter instance_runing (did you mean instance_running?)"), "\(text("near"))")
        #expect(text("none").contains("aws.sqs has no waiter queue_exists (it has none)"), "\(text("none"))")
        #expect(text("far").contains("aws.s3 has no waiter xyz (aws.s3.waiters() lists them)"), "\(text("far"))")
        #expect(text("options").contains("interval"), "\(text("options"))")
        #expect(errors.fields["listed"] == true)
        #expect(text("s3") == "bucket_exists,bucket_not_exists,object_exists,object_not_exists")
        #expect(record.events(.call).isEmpty)
    }

    /// Defect: a `paginate = true` call journaled every page's attempts as the first page's
    /// request, so pages could not be told apart. Each attempt now names its page and token.
    @Test func eachPageOfAPaginatedCallIsJournaledWithItsToken() async throws {
        let record = try await run("""
            for i = 1, 3 do
              aws.dynamodb.create_table{ TableName = "token-\(unique)-" .. i, BillingMode = "PAY_PER_REQUEST",
                KeySchema = { { AttributeName = "id", KeyType = "HASH" } },
                AttributeDefinitions = { { AttributeName = "id", AttributeType = "S" } } }
            end
            step("pages", function() return #aws.dynamodb.list_tables{ Limit = 1, paginate = true }.TableNames end)
            """)
        let pages = record.events(.call).filter { $0.operation == "ListTables" }
        #expect(pages.count >= 4, "\(pages.count)")
        #expect(pages.map(\.page) == Array(1...pages.count), "\(pages.map(\.page))")
        #expect(pages.first?.pageToken == nil)
        let tokens = pages.dropFirst().compactMap(\.pageToken)
        #expect(tokens.count == pages.count - 1 && tokens.allSatisfy { $0.hasPrefix("ExclusiveStartTableName=\"") }, "\(tokens)")
        #expect(Set(tokens).count == tokens.count)
        let single = try await run("step('one', function() return #aws.dynamodb.list_tables{ Limit = 1 }.TableNames end)")
        #expect(single.events(.call).allSatisfy { $0.page == nil && $0.pageToken == nil })
    }
}

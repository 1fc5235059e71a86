import LuaKit
import RunbookEngine
import TestSupport
import Testing

struct TriggerRoutingTests {
    /// The runbooks of `sources` (name to trigger declarations), loaded through the validator.
    static func runbooks(_ sources: [String: String], params: String = #"cluster_name = { type = "string" }"#) throws -> [Runbook] {
        let folder = RunbookFolder()
        defer { folder.remove() }
        for (name, triggers) in sources {
            folder.write("\(name).lua", runbookSource("", params: params, name: name, extra: "triggers = { \(triggers) },"))
        }
        let engine = try Engine(EngineConfiguration(modules: LuaModule.standard))
        return try RunbookCatalog(directories: [folder.path], engine: engine).entries().map { try $0.result.get() }
    }

    static func event(_ text: String) throws -> [AlarmEvent] { try AlarmEvents.parse(Array(text.utf8)) }

    @Test func theShippedRunbooksRouteCPUAndDiskAlarms() throws {
        let engine = try Engine(EngineConfiguration(modules: LuaModule.standard))
        let runbooks = try RunbookCatalog(directories: [packageRoot + "/runbooks"], engine: engine).entries().map { try $0.result.get() }
        let cpu = TriggerRouter.route(try Self.event(AlarmPayloads.metricAlarm)[0], among: runbooks)
        #expect(cpu.chosen?.runbook == "msk.high-cpu" && cpu.chosen?.params == ["cluster_name": "demo"])
        let disk = TriggerRouter.route(try Self.event(AlarmPayloads.metricMathAlarm)[0], among: runbooks)
        #expect(disk.chosen?.runbook == "msk.storage" && disk.chosen?.params == ["cluster_name": "demo"])
        #expect(TriggerRouter.route(try Self.event(AlarmPayloads.compositeAlarm)[0], among: runbooks).matches.isEmpty)
    }

    @Test func theMostSpecificTriggerWinsThenTheName() throws {
        let runbooks = try Self.runbooks([
            "b.broad": #"{ namespace = "AWS/Kafka", metric = "Cpu*", params = { cluster_name = "dimension:Cluster Name" } }"#,
            "a.broad": #"{ namespace = "AWS/Kafka", metric = "CpuUser" }"#,
            "z.narrow": #"{ namespace = "AWS/Kafka", metric = "CpuUser", alarm = "*-HighCPU", dimensions = { ["Cluster Name"] = "de?o" } }"#,
            "other": #"{ namespace = "AWS/Kafka", metric = "CpuUser", dimensions = { ["Cluster Name"] = "prod-*" } }"#,
            "calm": #"{ namespace = "AWS/Kafka", metric = "CpuUser", state = "OK" }"#,
        ])
        let decision = TriggerRouter.route(try Self.event(AlarmPayloads.metricAlarm)[0], among: runbooks)
        #expect(decision.matches.map(\.runbook) == ["z.narrow", "a.broad", "b.broad"])
        #expect(decision.matches.map(\.specificity) == [5, 3, 3])
        #expect(decision.matches[2].params == ["cluster_name": "demo"])
    }

    @Test func paramsComeFromEveryKindOfSource() throws {
        let params = #"a = { type = "string" }, m = { type = "string" }, v = { type = "number" }, d = { type = "string" }"#
        let cloudwatch = try Self.runbooks(
            ["cw": #"{ alarm = "demo-*", params = { a = "alarm:", m = "metric:", v = "value:", d = "dimension:Broker ID" } }"#], params: params)
        let chosen = TriggerRouter.route(try Self.event(AlarmPayloads.metricAlarm)[0], among: cloudwatch).chosen
        #expect(chosen?.params == ["a": "demo-HighCPU", "m": "CpuUser", "v": "99.50160229693434", "d": "2"])

        let alertmanager = try Self.runbooks(
            ["am": #"{ source = "alertmanager", labels = { alertname = "KafkaBroker*" }, params = { a = "alarm:", m = "annotation:summary", d = "label:cluster" } }"#],
            params: params)
        let events = try Self.event(AlarmPayloads.alertmanagerGroup)
        #expect(TriggerRouter.route(events[0], among: alertmanager).chosen?.params == ["a": "KafkaBrokerDown", "m": "Broker 3 of demo is down", "d": "demo"])
        #expect(TriggerRouter.route(events[1], among: alertmanager).matches.isEmpty, "a resolved alert was routed")
    }

    /// A trigger whose source the event lacks would start its runbook without the value it declared.
    @Test func aTriggerWhoseParamSourceIsMissingDoesNotMatch() throws {
        let runbooks = try Self.runbooks(["x": #"{ alarm = "*", params = { cluster_name = "dimension:Cluster Name" } }"#])
        #expect(TriggerRouter.route(try Self.event(AlarmPayloads.compositeAlarm)[0], among: runbooks).matches.isEmpty)
    }

    static let badTriggers: [(String, String)] = [
        (#"{ source = "nagios", alarm = "*" }"#, "`source` must be one of cloudwatch, alertmanager, not 'nagios'"),
        (#"{ alarm = "*", state = "FIRING" }"#, "`state` must be one of ALARM, OK, INSUFFICIENT_DATA, not 'FIRING'"),
        (#"{ alarm = "*", labels = { a = "b" } }"#, "`labels` are Alertmanager's"),
        (#"{ source = "alertmanager", labels = { alertname = "X" }, namespace = "AWS/Kafka" }"#, "`namespace` is CloudWatch's"),
        (#"{ source = "alertmanager" }"#, "needs `labels` or `alarm`"),
        (#"{ alarm = "*", dimensions = { ["Cluster Name"] = 3 } }"#, "`dimensions` must map names to strings"),
        (#"{ alarm = "*", params = { cluster_name = "label:cluster" } }"#, "comes only from alertmanager events"),
        (#"{ alarm = "*", params = { cluster_name = "alarm:name" } }"#, "`alarm:` takes nothing after the colon"),
        (#"{ alarm = "*", params = { cluster_name = "dimension:" } }"#, "`dimension:` needs a name after the colon"),
        (#"{ alarm = "*", params = { cluster_name = "tag:x" } }"#, "must start with one of dimension:, alarm:"),
        (#"{ alarm = "*", colour = "red" }"#, "unknown field 'colour'"),
    ]

    @Test(arguments: badTriggers)
    func badTriggersAreRefused(trigger: String, expected: String) {
        #expect { try Self.runbooks(["bad": trigger]) } throws: { "\($0)".contains(expected) }
    }

    @Test func aRequiredParamWithoutDefaultMustBeFilled() {
        #expect {
            try Self.runbooks(["bad": #"{ alarm = "*" }"#], params: #"cluster_name = { type = "string", required = true }"#)
        } throws: { "\($0)".contains("does not fill the required parameter 'cluster_name', which has no default") }
    }
}

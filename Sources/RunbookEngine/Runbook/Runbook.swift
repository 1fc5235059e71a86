public import LuaKit

/// A runbook's metadata, read from the table its file returns. Reading it runs no
/// primitive, so listing and validating never touch the network.
public struct Runbook: Sendable {
    /// The unique name (`msk.high-cpu`).
    public let name: String
    /// The runbook's own version.
    public let version: SemanticVersion
    /// What the runbook is for; the first line is its summary.
    public let description: String
    /// The parameters, sorted by name.
    public let params: [ParamSpec]
    /// The alarms that start this runbook, and how they fill its parameters.
    public let triggers: [Trigger]
    /// Limits the runbook asks for; the command line can lower or raise them.
    public let limits: RunbookLimits
    /// How alarm-started runs of this runbook are held back: target, cooldown, budget, live.
    public let automation: RunbookAutomation
    /// The file it was loaded from.
    public let file: String
    /// The SHA-256 of the file's bytes, so a journal says exactly what ran.
    public let sha256: String

    /// The first line of ``description``.
    public var summary: String {
        String(description.split(separator: "\n", maxSplits: 1).first ?? "")
    }

    /// Whether `name` may name a runbook: ASCII letters, digits, `.`, `_` and `-`, starting with a letter.
    public static func isValidName(_ name: String) -> Bool {
        name.first?.isLetter == true && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}

/// The type of a runbook parameter.
public enum ParamType: String, Sendable, CaseIterable, Codable {
    case string, number, integer, boolean
    /// A list of strings: `--param brokers=1,2,3` or a JSON array in a params file.
    case list
}

/// One declared parameter.
public struct ParamSpec: Sendable {
    /// The name runbook code reads (`p.cluster_arn`).
    public let name: String
    /// The declared type; command-line text is converted to it.
    public let type: ParamType
    /// Whether a run must supply it (a default satisfies this).
    public let required: Bool
    /// The value used when none is given.
    public let defaultValue: LuaValue?
    /// One line of help.
    public let doc: String
    /// The allowed values, when the declaration lists them.
    public let choices: [String]?
    /// A secret is redacted from journals, reports and the terminal.
    public let secret: Bool
}

/// An alarm that starts a runbook, and where each parameter's value comes from.
///
/// Text constraints are globs: `*` matches any run of characters, `?` any one.
public struct Trigger: Sendable, Codable, Equatable {
    /// The system whose alarms this trigger takes.
    public let source: AlarmSource
    /// The CloudWatch namespace (`AWS/Kafka`).
    public let namespace: String?
    /// The metric name (`CpuUser`).
    public let metric: String?
    /// A glob over the alarm's name (for Alertmanager, the `alertname` label).
    public let alarm: String?
    /// The state the alarm must be in: `ALARM` by default for CloudWatch, `firing` for Alertmanager.
    public let state: String
    /// CloudWatch dimension name to a glob its value must match.
    public let dimensions: [String: String]
    /// Alertmanager label name to a glob its value must match.
    public let labels: [String: String]
    /// Parameter name to its source: `dimension:Cluster Name`, `alarm:`, `metric:`, `value:`,
    /// `label:cluster`, `annotation:summary`.
    public let params: [String: String]
}

/// Limits a runbook declares for its runs.
public struct RunbookLimits: Sendable, Equatable {
    /// Wall-clock seconds for the whole run.
    public var timeout: Double?
    /// Memory cap in MiB.
    public var memoryMiB: Int?
    /// VM instruction budget.
    public var instructions: Int64?

    /// The timeouts a run may have, from `limits.timeout` or `--timeout`: a week at most, so
    /// every conversion to milliseconds or nanoseconds stays far inside 64 bits.
    public static let timeoutRange = 0.001...604_800.0
    /// The instruction budgets a run may have: past 10^15 a budget is no limit at all, and the
    /// hook's counting must not come near Int64's end.
    public static let instructionRange: ClosedRange<Int64> = 1...1_000_000_000_000_000
}

/// What a runbook declares about its alarm-started runs (`automation = { ... }`); the engine's
/// defaults apply where it declares nothing, so no automated run is ever unguarded.
public struct RunbookAutomation: Sendable, Equatable {
    /// The parameter whose value is the run's target: one run at a time per target, and cooldowns
    /// and budgets counted per target. Without one, the runbook itself is the target.
    public var target: String?
    /// Seconds after a run of this runbook for a target before another may start for it.
    public var cooldown: Double = RunbookAutomation.defaultCooldown
    /// The most mutating calls live automated runs may send to one target within ``window``.
    public var maxMutations: Int = RunbookAutomation.defaultMaxMutations
    /// The seconds over which ``maxMutations`` counts.
    public var window: Double = RunbookAutomation.defaultWindow
    /// Whether an automated run may be live; it still needs `runbook trigger --live`.
    public var live = false

    /// Ten minutes: long enough that an alarm flapping every evaluation period starts one run.
    public static let defaultCooldown = 600.0
    /// Three mutations an hour per target, unless the runbook says otherwise.
    public static let defaultMaxMutations = 3
    public static let defaultWindow = 3600.0
    /// Cooldowns from none to a week.
    public static let cooldownRange = 0.0...604_800.0
    /// Budget windows from a minute to thirty days.
    public static let windowRange = 60.0...2_592_000.0
    /// Budgets from none (an automated run may never mutate) to a thousand calls.
    public static let maxMutationsRange: ClosedRange<Int64> = 0...1000

    public init() {}
}

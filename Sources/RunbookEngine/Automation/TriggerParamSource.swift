/// Where a trigger takes a parameter's value from, parsed from its text (`dimension:Cluster Name`).
enum TriggerParamSource: Equatable {
    case dimension(String)
    case label(String)
    case annotation(String)
    case alarm
    case metric
    case value

    /// The prefixes a source may start with, for messages.
    static let prefixes = ["dimension:", "alarm:", "metric:", "value:", "label:", "annotation:"]

    /// The source `text` names, or a sentence saying what is wrong with it.
    static func parse(_ text: String) -> Result<TriggerParamSource, SourceProblem> {
        guard let colon = text.firstIndex(of: ":") else { return .failure(SourceProblem("must start with one of \(prefixes.joined(separator: ", "))")) }
        let kind = text[..<colon], rest = String(text[text.index(after: colon)...])
        switch kind {
        case "dimension", "label", "annotation":
            guard !rest.isEmpty else { return .failure(SourceProblem("`\(kind):` needs a name after the colon")) }
            return .success(kind == "dimension" ? .dimension(rest) : kind == "label" ? .label(rest) : .annotation(rest))
        case "alarm", "metric", "value":
            guard rest.isEmpty else { return .failure(SourceProblem("`\(kind):` takes nothing after the colon")) }
            return .success(kind == "alarm" ? .alarm : kind == "metric" ? .metric : .value)
        default:
            return .failure(SourceProblem("must start with one of \(prefixes.joined(separator: ", "))"))
        }
    }

    struct SourceProblem: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// The alarm source whose events carry this value; nil when both do.
    var onlyFrom: AlarmSource? {
        switch self {
        case .dimension, .metric, .value: .cloudwatch
        case .label, .annotation: .alertmanager
        case .alarm: nil
        }
    }

    /// The value in `event`, as text, or nil when the event lacks it.
    func resolve(in event: AlarmEvent) -> String? {
        switch self {
        case .dimension(let name): event.dimensions[name]
        case .label(let name): event.labels[name]
        case .annotation(let name): event.annotations[name]
        case .alarm: event.alarm
        case .metric: event.metric
        case .value: event.value.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }
        }
    }
}

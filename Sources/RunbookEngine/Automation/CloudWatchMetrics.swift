/// The namespace, metric and dimensions of an alarm with several metrics (a metric-math alarm),
/// reduced to what they all agree on, so a trigger never matches on one metric among many by chance.
struct CloudWatchMetrics {
    var namespace: String?
    var metric: String?
    var dimensions: [String: String] = [:]

    /// Each metric's namespace, name and dimensions; an empty list (a composite alarm) gives nothing.
    init(_ metrics: [(namespace: String, name: String, dimensions: [String: String])]) {
        guard let first = metrics.first else { return }
        if metrics.allSatisfy({ $0.namespace == first.namespace }) { namespace = first.namespace }
        if metrics.allSatisfy({ $0.namespace == first.namespace && $0.name == first.name }) { metric = first.name }
        dimensions = first.dimensions.filter { name, value in metrics.allSatisfy { $0.dimensions[name] == value } }
    }
}

import Probes
import TestSupport

extension KafkaMockCluster {
    /// The brokers, as the probes name them.
    var brokers: [HostPort] { ports.map { HostPort(host: "127.0.0.1", port: $0) } }
}

/// A host and TCP port, such as one Kafka broker or ZooKeeper node from a connection string.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address; IPv6 addresses are stored without brackets, like `::1`.
    public var host: String
    /// The TCP port, 1 through 65535.
    public var port: Int

    /// Creates an address from a host and a port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The address as `host:port`, with IPv6 hosts in brackets, like `[::1]:9092`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// A parsed ZooKeeper connect string: the ensemble's hosts and an optional chroot path.
public struct ZooKeeperConnectString: Sendable, Hashable, CustomStringConvertible {
    /// The ZooKeeper nodes in the order given.
    public var hosts: [HostPort]
    /// The chroot path applied to every host, like `/kafka`, or `nil` for the root.
    public var chroot: String?

    /// Creates a connect string from hosts and an optional chroot path.
    public init(hosts: [HostPort], chroot: String? = nil) {
        self.hosts = hosts
        self.chroot = chroot
    }

    /// The connect string in canonical form, like `z-1.example:2181,z-2.example:2181/kafka`.
    public var description: String {
        hosts.map(\.description).joined(separator: ",") + (chroot ?? "")
    }
}

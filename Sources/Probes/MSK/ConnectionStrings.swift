/// Parsers for the connection strings Amazon MSK hands out: the bootstrap broker list and the
/// ZooKeeper connect string.
///
/// MSK bootstrap ports: 9092 (plaintext), 9094 (TLS), 9096 (SASL/SCRAM), 9098 (IAM), and
/// 9194/9196/9198 for public access. MSK ZooKeeper ports: 2181 (plaintext) and 2182 (TLS).
public enum ConnectionStrings {
    /// Parses a comma-separated bootstrap broker list such as
    /// `b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9094,b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9094`.
    ///
    /// Whitespace around entries is ignored. An entry without a port gets `defaultPort`. IPv6
    /// addresses must be bracketed, like `[::1]:9092` or `[::1]`.
    ///
    /// - Parameters:
    ///   - string: The broker list.
    ///   - defaultPort: The port for entries without one; Kafka's default is 9092.
    /// - Throws: ``ProbeError`` naming the first invalid entry (empty entry or host, a port that is
    ///   not 1-65535, bad brackets, an unbracketed IPv6 address), or when the string is empty.
    public static func bootstrapBrokers(_ string: String, defaultPort: Int = 9092) throws(ProbeError) -> [HostPort] {
        try hostList(trimmed(Substring(string)), what: "bootstrap broker", defaultPort: defaultPort)
    }

    /// Parses a ZooKeeper connect string such as `z-1.demo:2181,z-2.demo:2181,z-3.demo:2181/kafka`.
    ///
    /// The optional chroot starts at the first `/` and applies to the whole ensemble, so it may only
    /// follow the last host. A chroot of `/` means no chroot. Entries without a port get
    /// `defaultPort`; MSK serves ZooKeeper on 2181, and on 2182 when ZooKeeper TLS is enabled.
    ///
    /// - Parameters:
    ///   - string: The connect string.
    ///   - defaultPort: The port for entries without one; ZooKeeper's default is 2181.
    /// - Throws: ``ProbeError`` naming the first invalid entry, an invalid chroot (trailing `/`,
    ///   empty, `.` or `..` segments, or a `,` showing it was not at the end), or an empty string.
    public static func zooKeeper(_ string: String, defaultPort: Int = 2181) throws(ProbeError) -> ZooKeeperConnectString {
        let text = trimmed(Substring(string))
        guard let slash = text.firstIndex(of: "/") else {
            return ZooKeeperConnectString(hosts: try hostList(text, what: zooKeeperWhat, defaultPort: defaultPort))
        }
        let chroot = try validatedChroot(trimmed(text[slash...]))
        guard slash != text.startIndex else {
            throw .chroot(String(text[slash...]), "no hosts before the chroot")
        }
        let hosts = try hostList(trimmed(text[..<slash]), what: zooKeeperWhat, defaultPort: defaultPort)
        return ZooKeeperConnectString(hosts: hosts, chroot: chroot)
    }

    // MARK: - Helpers

    private static let zooKeeperWhat = "ZooKeeper connect"

    private static func hostList(_ text: Substring, what: String, defaultPort: Int) throws(ProbeError) -> [HostPort] {
        guard (1...65535).contains(defaultPort) else {
            throw .argument("defaultPort", "\(defaultPort) is outside 1-65535")
        }
        guard !text.isEmpty else {
            throw .emptyConnectionString(what)
        }
        var result: [HostPort] = []
        for (offset, rawEntry) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            result.append(try hostPort(trimmed(rawEntry), what: what, index: offset + 1, defaultPort: defaultPort))
        }
        return result
    }

    private static func hostPort(
        _ entry: Substring,
        what: String,
        index: Int,
        defaultPort: Int
    ) throws(ProbeError) -> HostPort {
        func failure(_ problem: String) -> ProbeError {
            .connectionEntry(what, index: index, entry: String(entry), problem)
        }
        guard !entry.isEmpty else {
            throw failure("empty entry")
        }
        let host: Substring
        let portText: Substring?
        if entry.first == "[" {
            guard let close = entry.firstIndex(of: "]") else {
                throw failure("missing ']' closing the IPv6 address")
            }
            host = entry[entry.index(after: entry.startIndex)..<close]
            guard !host.isEmpty else {
                throw failure("empty host between '[' and ']'")
            }
            guard isIPv6Literal(host) else {
                throw failure("\(quoted(String(host))) in brackets is not an IPv6 address")
            }
            let remainder = entry[entry.index(after: close)...]
            if remainder.isEmpty {
                portText = nil
            } else if remainder.first == ":" {
                portText = remainder.dropFirst()
            } else {
                throw failure("expected ':' and a port after ']', found \(quoted(String(remainder)))")
            }
        } else {
            guard !entry.contains("["), !entry.contains("]") else {
                throw failure("misplaced '[' or ']' (bracket IPv6 addresses like [::1]:9092)")
            }
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw failure("too many ':' (bracket IPv6 addresses like [::1]:9092)")
            }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
            guard !host.isEmpty else {
                throw failure("empty host")
            }
            if let bad = host.first(where: { !isHostNameCharacter($0) }) {
                throw failure("invalid character \(quoted(String(bad))) in host")
            }
        }
        guard let portText else {
            return HostPort(host: String(host), port: defaultPort)
        }
        guard !portText.isEmpty else {
            throw failure("missing port after ':'")
        }
        guard portText.allSatisfy(\.isASCIIDigit) else {
            throw failure("port \(quoted(String(portText))) is not a number")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw failure("port \(portText) is outside 1-65535")
        }
        return HostPort(host: String(host), port: port)
    }

    private static func validatedChroot(_ path: Substring) throws(ProbeError) -> String? {
        let text = String(path)
        guard !path.contains(",") else {
            throw .chroot(text, "the chroot applies to the whole string and must follow the last host")
        }
        if path == "/" {
            return nil
        }
        guard !path.hasSuffix("/") else {
            throw .chroot(text, "must not end with '/'")
        }
        for segment in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty {
                throw .chroot(text, "empty path segment ('//')")
            }
            if segment == "." || segment == ".." {
                throw .chroot(text, "relative segment \(quoted(String(segment))) is not allowed")
            }
            if let bad = segment.first(where: { $0.isWhitespace || $0.unicodeScalars.contains { $0.value < 0x20 } }) {
                throw .chroot(text, "invalid character \(quoted(String(bad))) in path")
            }
        }
        return text
    }

    private static func isHostNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "." || character == "_")
    }

    /// A loose check for an IPv6 literal: hex digits, ':' and '.', with at least one ':', and an
    /// optional `%zone` suffix.
    private static func isIPv6Literal(_ text: Substring) -> Bool {
        let address = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        guard let literal = address.first, literal.contains(":") else { return false }
        if address.count == 2, address[1].isEmpty || !address[1].allSatisfy(isHostNameCharacter) {
            return false
        }
        return literal.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var result = text
        while let first = result.first, first.isWhitespace {
            result.removeFirst()
        }
        while let last = result.last, last.isWhitespace {
            result.removeLast()
        }
        return result
    }
}

extension Character {
    /// Whether this is one of the ASCII digits 0-9.
    fileprivate var isASCIIDigit: Bool {
        asciiValue.map { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ?? false
    }
}

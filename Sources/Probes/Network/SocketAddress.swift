import Glibc

/// A numeric IPv4 or IPv6 address (no port), copied out of C structures so it is Sendable.
struct IPAddress: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        /// Network byte order, as in `in_addr.s_addr`.
        case v4(UInt32)
        /// 16 bytes plus the IPv6 scope id.
        case v6([UInt8], scope: UInt32)
    }

    let storage: Storage

    var family: Int32 {
        switch storage {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    /// Parses an IPv4 or IPv6 literal (optionally in brackets) without any name lookup.
    init?(literal host: String) {
        var text = host
        if text.hasPrefix("[") && text.hasSuffix("]") && text.count >= 2 {
            text = String(text.dropFirst().dropLast())
        }
        var a4 = in_addr()
        if inet_pton(AF_INET, text, &a4) == 1 {
            storage = .v4(a4.s_addr)
            return
        }
        var a6 = in6_addr()
        if inet_pton(AF_INET6, text, &a6) == 1 {
            storage = .v6(withUnsafeBytes(of: &a6) { Array($0) }, scope: 0)
            return
        }
        return nil
    }

    init(storage: Storage) {
        self.storage = storage
    }

    /// Copies the address out of a `sockaddr` returned by getaddrinfo; nil for other families.
    init?(sockaddr sa: UnsafePointer<sockaddr>) {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in.self)
            storage = .v4(sin.sin_addr.s_addr)
        case AF_INET6:
            var sin6 = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in6.self)
            storage = .v6(withUnsafeBytes(of: &sin6.sin6_addr) { Array($0) }, scope: sin6.sin6_scope_id)
        default:
            return nil
        }
    }

    static let loopbackV4 = IPAddress(storage: .v4(UInt32(0x7F00_0001).bigEndian))
    static let loopbackV6 = IPAddress(storage: .v6([UInt8](repeating: 0, count: 15) + [1], scope: 0))

    /// Text form via inet_ntop ("127.0.0.1", "::1", "fe80::1%2").
    var text: String {
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch storage {
        case .v4(let raw):
            var a = in_addr(s_addr: raw)
            guard inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)) != nil else { return "?" }
            return decodeCString(buf)
        case .v6(let bytes, let scope):
            var a = in6_addr()
            withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: bytes.prefix(16)) }
            guard inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)) != nil else { return "?" }
            let base = decodeCString(buf)
            return scope == 0 ? base : "\(base)%\(scope)"
        }
    }

    /// Calls `body` with a sockaddr for this address and `port`.
    func withSockAddr<R>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch storage {
        case .v4(let raw):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            sin.sin_addr = in_addr(s_addr: raw)
            return withUnsafePointer(to: &sin) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let bytes, let scope):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            sin6.sin6_scope_id = scope
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
            return withUnsafePointer(to: &sin6) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }
}

func decodeCString(_ buf: [CChar]) -> String {
    let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// Human-readable text for an errno value.
func errnoText(_ e: Int32) -> String {
    // glibc's strerror returns static strings for known codes (thread-safe in practice).
    return String(cString: strerror(e)) + " (errno \(e))"
}

import Glibc
@testable import Probes

struct TestSocketError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call) failed: errno \(code)" }
}

/// A socket bound to 127.0.0.1 on an ephemeral port; closed on deinit.
final class TestSocket: Sendable {
    let fd: Int32
    let port: Int

    init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    deinit { _ = Glibc.close(fd) }
}

private func loopback(port: UInt16) -> sockaddr_in {
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_port = port.bigEndian
    sin.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
    return sin
}

private func boundSocket() throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestSocketError(call: "socket", code: errno) }
    var sin = loopback(port: 0)
    let rc = withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else {
        let e = errno
        _ = Glibc.close(fd)
        throw TestSocketError(call: "bind", code: e)
    }
    var out = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &out) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return (fd, Int(UInt16(bigEndian: out.sin_port)))
}

/// A listening socket on 127.0.0.1 that never accepts unless a server thread is attached.
func makeListener(backlog: Int32 = 128) throws -> TestSocket {
    let (fd, port) = try boundSocket()
    guard listen(fd, backlog) == 0 else {
        let e = errno
        _ = Glibc.close(fd)
        throw TestSocketError(call: "listen", code: e)
    }
    return TestSocket(fd: fd, port: port)
}

/// A loopback port that was bound and then closed, so nothing listens on it.
func closedPort() throws -> Int {
    let (fd, port) = try boundSocket()
    _ = Glibc.close(fd)
    return port
}

/// Starts non-blocking connects to `port` so a backlog-0 listener's accept queue is full and further
/// SYNs are dropped (the "connect times out" case). Returns the filler sockets to keep alive.
func fillAcceptQueue(port: Int, count: Int = 3) async throws -> [TestSocket] {
    var out: [TestSocket] = []
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError(call: "socket", code: errno) }
        var sin = loopback(port: UInt16(port))
        _ = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        out.append(TestSocket(fd: fd, port: port))
    }
    try await Task.sleep(for: .milliseconds(100))
    return out
}

private func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
    var sent = 0
    while sent < bytes.count {
        let n = bytes.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return -1 }
            return send(fd, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
        }
        if n <= 0 { return }
        sent += n
    }
}

/// On a background thread: accepts one connection and echoes everything until the peer closes.
func startEchoServer(_ listener: TestSocket) {
    let lfd = listener.fd
    _ = startDetachedThread {
        let c = accept(lfd, nil, nil)
        guard c >= 0 else { return }
        var buf = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            sendAll(c, Array(buf[0..<n]))
        }
        _ = Glibc.close(c)
    }
}

/// On a background thread: accepts one connection, sends `payload`, then closes it
/// (with an RST instead of a FIN when `reset` is true, after receiving one byte).
func startSendAndCloseServer(_ listener: TestSocket, payload: [UInt8], reset: Bool = false) {
    let lfd = listener.fd
    _ = startDetachedThread {
        let c = accept(lfd, nil, nil)
        guard c >= 0 else { return }
        sendAll(c, payload)
        if reset {
            // Wait for one byte first so the client has finished connecting before the RST.
            var one: UInt8 = 0
            _ = recv(c, &one, 1, 0)
            var l = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(c, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        }
        _ = Glibc.close(c)
    }
}

import Dispatch
import Foundation
import Glibc
import Synchronization

/// A socket on 127.0.0.1 that a test owns: a listener, or a client end; closed when the test lets go of it.
public final class TestSocket: Sendable {
    /// The descriptor.
    public let fd: Int32
    /// The loopback port: the listener's own, or the one a client end connects to.
    public let port: Int

    init(fd: Int32, port: Int) {
        self.fd = fd
        self.port = port
    }

    deinit { Glibc.close(fd) }
}

/// A loopback port nothing listens on now, for a server a test starts on it or for a "closed" target.
///
/// Ports come from 20000–29999, below the kernel's ephemeral range (32768 and up), each handed out
/// once per test process: a port picked by binding port 0 could be picked again by a parallel
/// test or handed to another server before the first one bound it (ZooKeeper once exited early so).
public func freePort() throws -> Int {
    for _ in 0..<dedicatedPorts.count {
        let port = nextDedicatedPort.withLock { next -> Int in
            defer { next = next + 1 }
            return dedicatedPorts.lowerBound + next % dedicatedPorts.count
        }
        if (try? boundSocket(port: port)) != nil { return port }
    }
    throw TestServerError("no free loopback port in \(dedicatedPorts)")
}

private let dedicatedPorts = 20_000..<30_000
private let nextDedicatedPort = Mutex(Int.random(in: 0..<10_000))

/// A loopback port that refuses connections for as long as the test holds the socket: bound,
/// never listening. Unlike ``freePort()``, no other test's server can take it meanwhile.
public func closedPort() throws -> TestSocket {
    try boundSocket()
}

/// True when something accepts connections on 127.0.0.1:`port`. A loopback connect answers at once,
/// accepted or refused, so this does not block.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    defer { Glibc.close(fd) }
    var address = loopback(port: port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// A listening socket on 127.0.0.1 that accepts nothing until a server from here is started on it:
/// the kernel still completes handshakes into its queue of `backlog`, so a client connects and then
/// hears nothing.
public func makeListener(backlog: Int32 = 128) throws -> TestSocket {
    let socket = try boundSocket()
    guard listen(socket.fd, backlog) == 0 else { throw TestServerError("listen: \(String(cString: strerror(errno)))") }
    return socket
}

/// Fills the accept queue of a `makeListener(backlog: 0)` listener with connections nobody accepts,
/// so the kernel drops further SYNs: the "connect times out" case. Returns once the queue is full;
/// keep the returned client ends alive while the test needs the queue full.
public func fillAcceptQueue(_ listener: TestSocket, count: Int = 3) async throws -> [TestSocket] {
    let port = listener.port
    var clients: [TestSocket] = []
    for _ in 0..<count {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket: \(String(cString: strerror(errno)))") }
        clients.append(TestSocket(fd: fd, port: port))
        var address = loopback(port: port)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
    // For a listener, TCP_INFO reports the accept queue's length as tcpi_unacked and its limit as
    // tcpi_sacked; Linux drops SYNs once the length exceeds the limit.
    try await waitUntil("the accept queue of port \(port) is full", timeout: .seconds(10)) {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(listener.fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return false }
        return info.tcpi_unacked > info.tcpi_sacked
    }
    return clients
}

/// On a thread of its own: accepts one connection on `listener` and echoes everything until the peer closes.
public func startEchoServer(_ listener: TestSocket) {
    serveOneConnection(listener) { connection in
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            sendAll(connection, Array(buffer[0..<n]))
        }
        Glibc.close(connection)
    }
}

/// On a thread of its own: accepts one connection on `listener`, receives `afterReceiving` bytes, sends
/// `payload`, and closes: with an RST when `reset` is true, else with a FIN, after which it reads until the
/// client closes too, so unread client bytes cannot turn the close into an RST that discards `payload`.
public func startSendAndCloseServer(_ listener: TestSocket, payload: [UInt8], afterReceiving: Int = 0, reset: Bool = false) {
    serveOneConnection(listener) { connection in
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var received = 0
        while received < afterReceiving {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, min($0.count, afterReceiving - received), 0) }
            if n <= 0 { break }
            received += n
        }
        sendAll(connection, payload)
        if reset {
            var abortive = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(connection, SOL_SOCKET, SO_LINGER, &abortive, socklen_t(MemoryLayout<linger>.size))
        } else {
            shutdown(connection, Int32(SHUT_WR))
            while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
        }
        Glibc.close(connection)
    }
}

/// Connects to 127.0.0.1:`port`, sends `request` and reads until the server closes (as ZooKeeper does after
/// a four-letter word), on a dispatch thread; nil when any of it fails or takes longer than `timeout`.
func exchange(port: Int, request: [UInt8], timeout: Duration) async -> String? {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            defer { Glibc.close(fd) }
            limitBlocking(fd, to: timeout)
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0, sendAll(fd, request) else { return continuation.resume(returning: nil) }
            var reply: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n < 0 { return continuation.resume(returning: nil) }
                if n == 0 { break }
                reply += buffer[0..<n]
            }
            continuation.resume(returning: String(decoding: reply, as: UTF8.self))
        }
    }
}

// MARK: Internals

private func loopback(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

/// A socket bound to 127.0.0.1 on a port the kernel picks.
private func boundSocket(port: Int = 0) throws -> TestSocket {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TestServerError("socket: \(String(cString: strerror(errno)))") }
    var address = loopback(port: port)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else {
        let error = errno
        Glibc.close(fd)
        throw TestServerError("cannot bind a loopback port: \(String(cString: strerror(error)))")
    }
    return TestSocket(fd: fd, port: Int(UInt16(bigEndian: address.sin_port)))
}

/// Accepts one connection and hands it to `serve` on a thread of its own: these servers block in accept
/// and recv, which must not happen on Swift Testing's pool. Accepting, reading and writing give up after
/// a minute, so a client that never comes or never closes does not keep the thread forever.
func serveOneConnection(_ listener: TestSocket, _ serve: @escaping @Sendable (Int32) -> Void) {
    limitBlocking(listener.fd, to: .seconds(60))
    Thread {
        let connection = accept(listener.fd, nil, nil)
        guard connection >= 0 else { return }
        limitBlocking(connection, to: .seconds(60))
        serve(connection)
    }.start()
}

func limitBlocking(_ fd: Int32, to timeout: Duration) {
    var limit = timeval(tv_sec: Int(timeout.components.seconds),
                        tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
}

@discardableResult
func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
        let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + sent }, $0.count - sent, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { return false }
        sent += n
    }
    return true
}

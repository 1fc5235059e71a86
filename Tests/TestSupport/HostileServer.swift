import Foundation
import Glibc
import Synchronization

/// A loopback peer that misbehaves on purpose, as a broken, overloaded or hostile broker,
/// ZooKeeper node, metrics endpoint or AWS endpoint would: each accepted connection plays the
/// same script of ``Step``s on a thread of its own. A test of what the engine does with a bad
/// answer is then one line:
///
/// ```swift
/// let server = try HostileServer.http(body: .endless("a 1\n"))
/// let server = try HostileServer([.read(4), .send(lengthPrefix(64 << 20)), .pause(.seconds(30))])
/// ```
///
/// Sends end quietly when the client goes away; every connection gives up after two minutes.
public final class HostileServer: Sendable {
    /// One thing the server does on a connection, in order.
    public enum Step: Sendable {
        /// Receives exactly this many bytes (or until the client closes).
        case read(Int)
        /// Receives until the bytes seen so far end with `marker` (an HTTP request's blank line).
        case readUntil([UInt8])
        /// Sends the bytes.
        case send([UInt8])
        /// Sends `chunk` again and again until `total` bytes went out.
        case repeated([UInt8], total: Int)
        /// Sends `chunk` for ever, until the client goes away.
        case endless([UInt8])
        /// Sends the bytes one at a time, `every` apart: an answer that drips.
        case drip([UInt8], every: Duration)
        /// Sends `chunk` every `every`, for ever: a stream that never idles.
        case flood([UInt8], every: Duration)
        /// Waits, sending nothing, connection open.
        case pause(Duration)
        /// Closes with an RST instead of a FIN.
        case reset
        /// Receives `count` bytes and goes on with the steps those bytes pick, then with the rest of
        /// the script: one connection asking `srvr`, another opening a session. Bytes no steps are
        /// given for end the connection.
        case choose(count: Int, [[UInt8]: [Step]])
    }

    /// A body for ``http(status:headers:body:)``.
    public enum Body: Sendable {
        /// These bytes, with a Content-Length.
        case bytes([UInt8])
        /// `chunk` repeated up to `total` bytes, with a Content-Length.
        case repeated(String, total: Int)
        /// `chunk` for ever, without a Content-Length.
        case endless(String)
        /// The bytes one at a time, `every` apart, with a Content-Length.
        case drip([UInt8], every: Duration)
        /// A Content-Length of `claimed`, then these bytes, then silence.
        case lyingLength(claimed: Int, [UInt8])
    }

    /// The port it listens on, on 127.0.0.1.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(port)" }
    /// How many connections it accepted so far.
    public var connections: Int { shared.accepted.load(ordering: .relaxed) }

    /// What the server's threads share; they hold this, not the server, so letting go of the
    /// server stops them.
    private final class Shared: Sendable {
        let listener: TestSocket
        let accepted = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        init(listener: TestSocket) { self.listener = listener }
        var alive: Bool { !stopped.load(ordering: .relaxed) }
    }
    private let shared: Shared

    /// Starts listening; each connection plays `script`.
    public init(_ script: [Step]) throws {
        let listener = try makeListener()
        port = listener.port
        let shared = Shared(listener: listener)
        self.shared = shared
        // Accept wakes up now and then to notice the server is gone.
        limitBlocking(listener.fd, to: .milliseconds(200))
        Thread {
            while shared.alive {
                let connection = accept(shared.listener.fd, nil, nil)
                guard connection >= 0 else { continue }
                shared.accepted.add(1, ordering: .relaxed)
                limitBlocking(connection, to: .seconds(120))
                Thread { Self.play(script, on: connection, shared: shared) }.start()
            }
        }.start()
    }

    deinit { shared.stopped.store(true, ordering: .relaxed) }

    /// An HTTP/1.1 server that reads each request's head and answers with `status`, `headers` and `body`.
    public static func http(status: Int = 200, headers: [String: String] = [:], body: Body) throws -> HostileServer {
        var head = "HTTP/1.1 \(status) Hostile\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        var script: [Step] = [.readUntil(Array("\r\n\r\n".utf8))]
        switch body {
        case .bytes(let bytes):
            script += [.send(Array((head + "Content-Length: \(bytes.count)\r\n\r\n").utf8) + bytes)]
        case .repeated(let chunk, let total):
            script += [.send(Array((head + "Content-Length: \(total)\r\n\r\n").utf8)), .repeated(Array(chunk.utf8), total: total)]
        case .endless(let chunk):
            script += [.send(Array((head + "\r\n").utf8)), .endless(Array(chunk.utf8))]
        case .drip(let bytes, let every):
            script += [.send(Array((head + "Content-Length: \(bytes.count)\r\n\r\n").utf8)), .drip(bytes, every: every)]
        case .lyingLength(let claimed, let bytes):
            script += [.send(Array((head + "Content-Length: \(claimed)\r\n\r\n").utf8) + bytes), .pause(.seconds(120))]
        }
        return try HostileServer(script)
    }

    private static func play(_ script: [Step], on connection: Int32, shared: Shared) {
        defer { Glibc.close(connection) }
        var seen: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        func alive() -> Bool { shared.alive }
        /// Receives up to `count` bytes; fewer when the client closes first.
        func receive(_ count: Int) -> [UInt8] {
            var received: [UInt8] = []
            while received.count < count {
                let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, min($0.count, count - received.count), 0) }
                if n <= 0 { break }
                received += buffer[0..<n]
            }
            return received
        }
        /// Plays `steps`; false when the connection is to end at once, without the closing FIN.
        func perform(_ steps: [Step]) -> Bool {
            for step in steps {
                switch step {
                case .read(let count):
                    if receive(count).count < count { return false }
                case .readUntil(let marker):
                    while !seen.ends(with: marker) {
                        let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, 1, 0) }
                        if n <= 0 { return false }
                        seen.append(buffer[0])
                    }
                    seen.removeAll()
                case .send(let bytes):
                    guard sendAll(connection, bytes) else { return false }
                case .repeated(let chunk, let total):
                    let block = Array(repeatElement(chunk, count: max(1, 65_536 / max(1, chunk.count))).joined())
                    var sent = 0
                    while sent < total {
                        let piece = Array(block.prefix(total - sent))
                        guard sendAll(connection, piece) else { return false }
                        sent += piece.count
                    }
                case .endless(let chunk):
                    let block = Array(repeatElement(chunk, count: max(1, 65_536 / max(1, chunk.count))).joined())
                    while alive() { guard sendAll(connection, block) else { return false } }
                case .drip(let bytes, let every):
                    for byte in bytes {
                        guard alive(), sendAll(connection, [byte]) else { return false }
                        Thread.sleep(forTimeInterval: every.seconds)
                    }
                case .flood(let chunk, let every):
                    while alive() {
                        guard sendAll(connection, chunk) else { return false }
                        Thread.sleep(forTimeInterval: every.seconds)
                    }
                case .pause(let duration):
                    let end = ContinuousClock.now.advanced(by: duration)
                    // Wakes when the client closes, so a pause never outlives the test's client.
                    while alive(), ContinuousClock.now < end {
                        var ready = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                        if poll(&ready, 1, 50) > 0 {
                            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                            if n <= 0 { return false }
                        }
                    }
                case .reset:
                    var abortive = linger(l_onoff: 1, l_linger: 0)
                    _ = setsockopt(connection, SOL_SOCKET, SO_LINGER, &abortive, socklen_t(MemoryLayout<linger>.size))
                    return false
                case .choose(let count, let choices):
                    guard let chosen = choices[receive(count)], perform(chosen) else { return false }
                }
            }
            return true
        }
        guard perform(script) else { return }
        // Done: a FIN, then wait for the client to close too, so unread bytes cannot become an RST.
        shutdown(connection, Int32(SHUT_WR))
        while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
    }
}

/// A 4-byte big-endian length, as Kafka and ZooKeeper frame their messages.
public func lengthPrefix(_ length: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).bigEndian) { Array($0) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

extension HostileServer {
    /// Frames for scripting a ZooKeeper peer.
    public enum ZooKeeper {
        /// The first four bytes of a session handshake: the ConnectRequest's length, 45.
        public static let connectRequestLength = lengthPrefix(45)
        /// A ConnectResponse granting a session with a 4 s timeout.
        public static let connectResponse = frame(int(0) + int(4_000) + int(0) + int(0x1234) + int(16) + [UInt8](repeating: 0, count: 16))
        /// A watch notification (xid -1): NodeChildrenChanged on /brokers/ids.
        public static let watchNotification = frame(int(-1) + int(-1) + int(-1) + int(0) + int(4) + int(3) + int(12) + Array("/brokers/ids".utf8))
        /// What `srvr`, `stat` and `mntr` say on a node out of quorum.
        public static let notServing = Array("This ZooKeeper instance is not currently serving requests\n".utf8)

        /// A node out of quorum: `imok` to `ruok`, not serving to `srvr` and `mntr`, and a session
        /// handshake's connection closed unanswered.
        public static func outOfQuorum() throws -> HostileServer {
            try HostileServer([.choose(count: 4, [
                Array("ruok".utf8): [.send(Array("imok".utf8))],
                Array("srvr".utf8): [.send(notServing)],
                Array("mntr".utf8): [.send(notServing)],
                connectRequestLength: [.read(45)],
            ])])
        }

        static func frame(_ body: [UInt8]) -> [UInt8] { lengthPrefix(body.count) + body }
        static func int(_ value: Int32) -> [UInt8] { lengthPrefix(Int(UInt32(bitPattern: value))) }
    }
}

/// Waits until this process keeps time again: three 10 ms sleeps in a row that overrun by less than
/// 50 ms, or two minutes at most.
///
/// A test asserting that a deadline holds (a 2 s timeout ends within 3 s) calls it first. The full
/// suite starts dozens of servers (JVMs, Python, the mock Kafka cluster) at once on a 2-core machine,
/// and for its first tens of seconds a deadline measures that queue, not the code under test.
public func untilThisProcessKeepsTime() async {
    let giveUp = ContinuousClock.now.advanced(by: .seconds(120))
    var punctual = 0
    while punctual < 3, ContinuousClock.now < giveUp {
        let start = ContinuousClock.now
        try? await Task.sleep(for: .milliseconds(10))
        punctual = ContinuousClock.now - start < .milliseconds(60) ? punctual + 1 : 0
    }
}

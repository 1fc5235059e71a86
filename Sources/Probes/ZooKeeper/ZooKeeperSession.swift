/// A minimal ZooKeeper client session over one `ProbeConnection`: the connect handshake,
/// getChildren2 and closeSession. Not thread-safe; used by one task at a time.
struct ZooKeeperSession {
    /// Session timeout requested in the ConnectRequest; the server clamps it to 2-20 ticks.
    static let requestedSessionTimeoutMs: Int32 = 10_000
    /// Largest reply accepted: ``ZooKeeperProbe/maxReplySize``.
    static let maxFrame = ZooKeeperProbe.maxReplySize

    private enum OpCode {
        static let getChildren: Int32 = 8
        static let getChildren2: Int32 = 12
        static let closeSession: Int32 = -11
    }

    let server: HostPort
    let connection: ProbeConnection
    /// The session id the server assigned.
    let sessionId: Int64
    /// The session timeout the server negotiated, in milliseconds.
    let negotiatedTimeoutMs: Int32
    private var nextXid: Int32 = 1

    private init(server: HostPort, connection: ProbeConnection, sessionId: Int64, negotiatedTimeoutMs: Int32) {
        self.server = server
        self.connection = connection
        self.sessionId = sessionId
        self.negotiatedTimeoutMs = negotiatedTimeoutMs
    }

    /// Connects to `server` and performs the session handshake (ConnectRequest / ConnectResponse).
    static func open(_ server: HostPort, deadline: ContinuousClock.Instant,
                     tls: ProbeTLSOptions? = nil) async throws(ZooKeeperProbeError) -> ZooKeeperSession {
        let connection: ProbeConnection
        do {
            connection = try await ProbeConnection.connect(host: server.host, port: server.port,
                                                           timeout: remaining(until: deadline), tls: tls)
        } catch {
            throw .connection(error, server: server, during: "Connecting")
        }
        var request = JuteWriter()
        request.int(0)                              // protocolVersion
        request.long(0)                             // lastZxidSeen
        request.int(requestedSessionTimeoutMs)      // timeOut
        request.long(0)                             // sessionId
        request.buffer([UInt8](repeating: 0, count: 16)) // passwd
        request.bool(false)                         // readOnly
        let reply: [UInt8]
        do {
            try await connection.write(request.framed, deadline: deadline)
            reply = try await readFrame(connection, server: server, deadline: deadline)
        } catch let error as ZooKeeperProbeError {
            connection.close()
            throw error
        } catch {
            connection.close()
            if let e = error as? ProbeConnectionError, case .closedByPeer = e.reason {
                throw ZooKeeperProbeError(.sessionRejected, server: server,
                                          problem: "\(server) accepted the TCP connection but closed it instead of opening a session",
                                          remedy: "The server is up but not serving clients: it may be starting, out of quorum, at maxClientCnxns, or expecting TLS/SASL. Check its log and `srvr`")
            }
            throw .connection(error, server: server, during: "Session handshake")
        }
        let timeOut: Int32
        let sessionId: Int64
        do {
            (timeOut, sessionId) = try decodeConnectResponse(reply)
        } catch {
            connection.close()
            throw .protocolError(server, error.message)
        }
        guard timeOut > 0 else {
            connection.close()
            throw ZooKeeperProbeError(.sessionRejected, server: server,
                                      problem: "\(server) refused to open a session (negotiated timeout \(timeOut) ms)",
                                      remedy: "The server is up but not serving clients; check its log and quorum state")
        }
        return ZooKeeperSession(server: server, connection: connection, sessionId: sessionId,
                                negotiatedTimeoutMs: timeOut)
    }

    /// Lists the children of `serverPath` (already including any chroot) with getChildren2.
    ///
    /// - Parameter displayPath: The path as the caller gave it, for error messages.
    mutating func children(of serverPath: String, displayPath: String,
                           deadline: ContinuousClock.Instant) async throws(ZooKeeperProbeError) -> [String] {
        var body = JuteWriter()
        body.string(serverPath)
        body.bool(false) // watch
        let server = server
        var reader = try await call(OpCode.getChildren2, body: body, what: "getChildren2 \(quoted(serverPath))",
                                    deadline: deadline, failure: { code in
            let looked = serverPath == displayPath ? "" : " (looked up \(quoted(serverPath)))"
            switch code {
            case ZooKeeperErrorCode.noNode:
                return ZooKeeperProbeError(.serverError(code: code), server: server,
                                           problem: "ZooKeeper node \(quoted(displayPath)) does not exist on \(server)\(looked)",
                                           remedy: "Check the path and the chroot in the connect string (MSK uses none; self-managed Kafka often uses one such as /kafka)")
            case ZooKeeperErrorCode.noAuth:
                return ZooKeeperProbeError(.serverError(code: code), server: server,
                                           problem: "Not allowed to list ZooKeeper node \(quoted(displayPath)) on \(server)\(looked) (NoAuth, -102)",
                                           remedy: "The node's ACL forbids anonymous reads; this probe does not authenticate")
            default:
                return ZooKeeperProbeError(.serverError(code: code), server: server,
                                           problem: "Listing ZooKeeper node \(quoted(displayPath)) on \(server)\(looked) failed with \(ZooKeeperErrorCode.name(code)) (\(code))",
                                           remedy: "Check the server's log")
            }
        })
        do {
            return try reader.stringVector("GetChildren2Response.children")
        } catch {
            throw .protocolError(server, error.message)
        }
    }

    /// Sends closeSession (best effort, waiting briefly for the reply) and closes the connection.
    /// Returns whether the server acknowledged the closeSession.
    @discardableResult
    mutating func close(deadline: ContinuousClock.Instant) async -> Bool {
        let server = server
        let soon = min(deadline, ContinuousClock.now.advanced(by: .seconds(1)))
        let acknowledged = (try? await call(OpCode.closeSession, body: JuteWriter(), what: "closeSession", deadline: soon,
                            failure: { code in
            ZooKeeperProbeError(.serverError(code: code), server: server,
                                problem: "closeSession failed with \(code)", remedy: "")
        })) != nil
        connection.close()
        return acknowledged
    }

    /// Sends one request and returns a reader positioned after the reply header.
    private mutating func call(_ type: Int32, body: JuteWriter, what: String, deadline: ContinuousClock.Instant,
                               failure: (Int32) -> ZooKeeperProbeError) async throws(ZooKeeperProbeError) -> JuteReader {
        let xid = nextXid
        nextXid += 1
        var request = JuteWriter()
        request.int(xid)
        request.int(type)
        let bytes = request.bytes + body.bytes
        var frame = JuteWriter()
        frame.int(Int32(truncatingIfNeeded: bytes.count))
        do {
            try await connection.write(frame.bytes + bytes, deadline: deadline)
        } catch {
            throw .connection(error, server: server, during: what)
        }
        while true {
            let reply: [UInt8]
            do {
                reply = try await Self.readFrame(connection, server: server, deadline: deadline)
            } catch let error as ZooKeeperProbeError {
                throw error
            } catch {
                throw .connection(error, server: server, during: what)
            }
            var reader = JuteReader(reply)
            let header: ReplyHeader
            do {
                header = try ReplyHeader(&reader)
            } catch {
                throw .protocolError(server, error.message)
            }
            let replyXid = header.xid
            let err = header.err
            // -1 is a watch notification, -2 a ping reply: not ours, keep reading. A server may send
            // them without end, never letting a read wait: check the deadline, and let others run.
            if replyXid == -1 || replyXid == -2 {
                do {
                    try connection.checkDeadline(deadline)
                } catch {
                    throw .connection(error, server: server, during: what)
                }
                await Task.yield()
                continue
            }
            guard replyXid == xid else {
                throw .protocolError(server, "reply xid \(replyXid) does not match request xid \(xid)")
            }
            guard err == 0 else { throw failure(err) }
            return reader
        }
    }

    private static func readFrame(_ connection: ProbeConnection, server: HostPort,
                                  deadline: ContinuousClock.Instant) async throws -> [UInt8] {
        // Grows as bytes arrive: a claimed length that is never sent costs nothing.
        let length = try frameLength(try await connection.read(exactly: 4, deadline: deadline), server: server)
        return try await connection.read(exactly: length, deadline: deadline)
    }

    /// The length a reply's 4-byte prefix announces, checked against ``maxFrame``.
    static func frameLength(_ prefix: [UInt8], server: HostPort) throws(ZooKeeperProbeError) -> Int {
        var header = JuteReader(prefix)
        let length: Int
        do {
            length = Int(try header.int("frame length"))
        } catch {
            throw .protocolError(server, error.message)
        }
        guard length >= 0 else { throw .protocolError(server, "negative frame length \(length)") }
        guard length <= maxFrame else {
            throw .protocolError(
                server, "the reply claims \(length) bytes (\(mebibytes(length))), which exceeds the \(mebibytes(maxFrame)) limit on ZooKeeper replies")
        }
        return length
    }

    /// The negotiated timeout and session id of a ConnectResponse (the reply after its length prefix).
    static func decodeConnectResponse(_ reply: [UInt8]) throws(JuteError) -> (timeOut: Int32, sessionId: Int64) {
        var reader = JuteReader(reply)
        _ = try reader.int("ConnectResponse.protocolVersion")
        let timeOut = try reader.int("ConnectResponse.timeOut")
        let sessionId = try reader.long("ConnectResponse.sessionId")
        _ = try reader.buffer("ConnectResponse.passwd")
        return (timeOut, sessionId)
    }

    /// The header every reply to a request starts with.
    struct ReplyHeader {
        /// The request's xid; -1 for a watch notification, -2 for a ping reply.
        let xid: Int32
        /// The transaction id the server had reached.
        let zxid: Int64
        /// 0, or one of ``ZooKeeperErrorCode``.
        let err: Int32

        init(_ reader: inout JuteReader) throws(JuteError) {
            xid = try reader.int("ReplyHeader.xid")
            zxid = try reader.long("ReplyHeader.zxid")
            err = try reader.int("ReplyHeader.err")
        }
    }
}

/// Time left until `deadline`, never negative.
func remaining(until deadline: ContinuousClock.Instant) -> Duration {
    max(.zero, deadline - ContinuousClock.now)
}

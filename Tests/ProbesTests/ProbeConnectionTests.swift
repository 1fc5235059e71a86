@testable import Probes
import Testing
import TestSupport

private func soon(_ d: Duration = .seconds(5)) -> ContinuousClock.Instant { .now.advanced(by: d) }

@Suite struct ProbeConnectionTests {
    @Test func echoRoundTrip() async throws {
        let listener = try makeListener()
        startEchoServer(listener)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        #expect(conn.remoteAddress == "127.0.0.1")
        try await conn.write(Array("ruok".utf8), deadline: soon())
        let back = try await conn.read(exactly: 4, deadline: soon())
        #expect(back == Array("ruok".utf8))
    }

    @Test func largeEchoWithConcurrentReadAndWrite() async throws {
        // Bigger than the socket buffers, so both write and read hit EAGAIN and wait on the loop.
        // What is checked is the bytes, not the speed: the deadline only stops a hang. A fresh CI
        // run once spent 21 s here while the suite's servers were starting.
        await untilThisProcessKeepsTime()
        let listener = try makeListener()
        startEchoServer(listener)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        let payload = (0..<(4 * 1_024 * 1_024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        async let written: Void = conn.write(payload, deadline: soon(.seconds(90)))
        let back = try await conn.read(exactly: payload.count, deadline: soon(.seconds(90)))
        try await written
        #expect(back == payload)
    }

    @Test func silentServerReadTimesOut() async throws {
        let listener = try makeListener(backlog: 16) // accepts at TCP level, never answers
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        let start = ContinuousClock.now
        let error = await #expect(throws: ProbeConnectionError.self) {
            _ = try await conn.read(exactly: 1, deadline: .now.advanced(by: .milliseconds(200)))
        }
        #expect(ContinuousClock.now - start >= .milliseconds(190))
        #expect(error?.isTimeout == true)
        #expect(error?.description.hasPrefix("timed out reading from 127.0.0.1:\(listener.port) after ") == true)
    }

    @Test func readToEndWithinLimit() async throws {
        let listener = try makeListener()
        let payload = [UInt8](repeating: 0x2A, count: 100)
        startSendAndCloseServer(listener, payload: payload)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        let all = try await conn.readToEnd(limit: 100, deadline: soon())
        #expect(all == payload)
    }

    @Test func readToEndOverLimitThrows() async throws {
        let listener = try makeListener()
        startSendAndCloseServer(listener, payload: [UInt8](repeating: 1, count: 100))
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        let error = await #expect(throws: ProbeConnectionError.self) {
            _ = try await conn.readToEnd(limit: 10, deadline: soon())
        }
        #expect(error?.reason == .limitExceeded(limit: 10))
    }

    @Test func peerClosingEarlyIsReported() async throws {
        let listener = try makeListener()
        startSendAndCloseServer(listener, payload: [1, 2, 3])
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        let error = await #expect(throws: ProbeConnectionError.self) {
            _ = try await conn.read(exactly: 10, deadline: soon())
        }
        #expect(error?.reason == .closedByPeer(received: 3, expected: 10))
        #expect(error?.description == "connection closed by 127.0.0.1:\(listener.port) after receiving 3 of 10 bytes")
    }

    @Test func resetIsReported() async throws {
        let listener = try makeListener()
        // The byte the client writes first tells the server the connection is up before the RST.
        startSendAndCloseServer(listener, payload: [], afterReceiving: 1, reset: true)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        try await conn.write([0], deadline: soon())
        let error = await #expect(throws: ProbeConnectionError.self) {
            _ = try await conn.read(exactly: 1, deadline: soon())
        }
        #expect(error?.reason == .connectionReset)
        #expect(error?.description == "connection reset by 127.0.0.1:\(listener.port)")
    }

    @Test func connectRefusedThrows() async throws {
        let port = try freePort()
        let error = await #expect(throws: ProbeConnectionError.self) {
            _ = try await ProbeConnection.connect(host: "127.0.0.1", port: port, timeout: .seconds(2))
        }
        #expect(error?.description == "connection refused by 127.0.0.1:\(port)")
    }

    @Test func cancellingAReadThrowsCancelled() async throws {
        let listener = try makeListener(backlog: 16)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        let task = Task { try await conn.read(exactly: 1, deadline: soon(.seconds(30))) }
        try await waitUntil("the read is pending") { conn.isReadPending }
        task.cancel()
        let result = await task.result
        guard case .failure(let e) = result, let err = e as? ProbeConnectionError else {
            Issue.record("expected a ProbeConnectionError, got \(result)")
            return
        }
        #expect(err.isCancelled)
    }

    @Test func closeAbortsPendingReadAndLaterCallsFail() async throws {
        let listener = try makeListener(backlog: 16)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        let task = Task { try await conn.read(exactly: 1, deadline: soon(.seconds(30))) }
        try await waitUntil("the read is pending") { conn.isReadPending }
        conn.close()
        let result = await task.result
        guard case .failure(let e) = result, let err = e as? ProbeConnectionError else {
            Issue.record("expected a ProbeConnectionError, got \(result)")
            return
        }
        #expect(err.reason == .closedLocally)
        await #expect(throws: ProbeConnectionError.self) { try await conn.write([1], deadline: soon()) }
    }

    @Test func concurrentReadsAreRejected() async throws {
        let listener = try makeListener(backlog: 16)
        let conn = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        defer { conn.close() }
        // A long deadline: the first read must still be pending when the second starts, however slow the machine is.
        let first = Task { try await conn.read(exactly: 1, deadline: soon(.seconds(60))) }
        try await waitUntil("the first read is pending") { conn.isReadPending }
        let error = await #expect(throws: ProbeConnectionError.self) {
            _ = try await conn.read(exactly: 1, deadline: soon(.seconds(2)))
        }
        #expect(error?.reason == .busy(.reading))
        first.cancel()
        _ = await first.result
    }
}

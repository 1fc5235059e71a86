import Foundation
import HTTPClient
import Testing
@testable import Probes

/// The shared reason vocabulary: its spelling is an interface runbooks branch on.
struct ProbeFailureReasonTests {
    @Test func rawValuesAreTheSnakeCaseNamesRunbooksSee() {
        #expect(ProbeFailureReason.allCases.map(\.rawValue) == [
            "refused", "timed_out", "unreachable", "name_not_resolved", "temporary_failure", "reset", "tls",
            "setup_failed", "cancelled", "too_large", "headers_too_large", "bad_chunked_encoding", "other",
        ])
    }

    @Test func encodesAsItsRawValue() throws {
        let data = try JSONEncoder().encode([ProbeFailureReason.timedOut, .nameNotResolved])
        #expect(String(decoding: data, as: UTF8.self) == #"["timed_out","name_not_resolved"]"#)
        #expect(try JSONDecoder().decode([ProbeFailureReason].self, from: data) == [.timedOut, .nameNotResolved])
    }

    @Test func socketFailuresShareTheReasons() {
        #expect(TCPProbeFailure.refused.reason == .refused)
        #expect(TCPProbeFailure.timedOut.reason == .timedOut)
        #expect(TCPProbeFailure.other("invalid port 0").reason == .other)
        #expect(DNSProbeFailure.temporaryFailure.reason == .temporaryFailure)
        #expect(DNSProbeFailure.nameNotResolved.reason == .nameNotResolved)
        #expect(TLSProbeFailure.connectFailed(.refused).reason == .refused)
        #expect(TLSProbeFailure.handshakeTimedOut.reason == .timedOut)
        #expect(TLSProbeFailure.handshakeFailed("wrong version number").reason == .tls)
        #expect(TLSProbeFailure.setupFailed("cannot load CA file").reason == .setupFailed)
    }

    @Test func httpTransportKindsShareTheReasons() {
        let kinds: [HTTPTransportError.Kind: ProbeFailureReason] = [
            .timedOut: .timedOut, .connectionRefused: .refused, .connectionReset: .reset, .nameNotResolved: .nameNotResolved,
            .tls: .tls, .setupFailed: .setupFailed, .cancelled: .cancelled, .responseTooLarge: .tooLarge, .other: .other,
        ]
        for (kind, reason) in kinds { #expect(ProbeFailureReason(kind) == reason, "\(kind)") }
    }
}

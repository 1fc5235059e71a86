import Testing
@testable import Probes

/// Independent big-endian frame builder, so the decoder is not tested against its own encoder.
private struct Bytes {
    var b: [UInt8] = []
    mutating func i8(_ v: Int) { b.append(UInt8(truncatingIfNeeded: v)) }
    mutating func i16(_ v: Int) { b += [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    mutating func i32(_ v: Int) {
        b += [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
              UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
    mutating func str(_ s: String?) {
        guard let s else { i16(-1); return }
        i16(s.utf8.count); b += Array(s.utf8)
    }
    mutating func i32s(_ vs: [Int]) { i32(vs.count); vs.forEach { i32($0) } }
}

/// A Metadata v8 response frame body (after the size prefix), correlation id 7.
private func metadataV8Frame() -> [UInt8] {
    var f = Bytes()
    f.i32(7)                   // correlation id
    f.i32(0)                   // throttle
    f.i32(2)                   // brokers
    f.i32(1); f.str("b1.example"); f.i32(9092); f.str("use1-az1")
    f.i32(2); f.str("b2.example"); f.i32(9093); f.str(nil)
    f.str("cluster-xyz")       // cluster id
    f.i32(2)                   // controller
    f.i32(1)                   // topics
    f.i16(0); f.str("orders"); f.i8(0)
    f.i32(2)                   // partitions
    f.i16(0); f.i32(0); f.i32(1); f.i32(5); f.i32s([1, 2]); f.i32s([1]); f.i32s([2])
    f.i16(5); f.i32(1); f.i32(-1); f.i32(5); f.i32s([1, 2]); f.i32s([1, 2]); f.i32s([])
    f.i32(-2147483648)         // topic authorized operations
    f.i32(-2147483648)         // cluster authorized operations
    return f.b
}

private let anyBroker = HostPort(host: "127.0.0.1", port: 9092)

@Suite("Kafka codec")
struct KafkaCodecTests {
    @Test func apiVersionsV3RequestIsFlexibleWithSoftwareNameAndVersion() {
        let frame = KafkaCodec.request(apiKey: 18, apiVersion: 3, correlationId: 1, flexible: true,
                                       body: KafkaCodec.apiVersionsRequestBody(version: 3))
        var want = Bytes()
        want.i16(18); want.i16(3); want.i32(1); want.str("kwire-probe"); want.i8(0)
        want.i8(12); want.b += Array("kwire-probe".utf8); want.i8(4); want.b += Array("1.0".utf8); want.i8(0)
        var sized = Bytes()
        sized.i32(want.b.count)
        #expect(frame == sized.b + want.b)
    }

    @Test func apiVersionsV0RequestHasEmptyBody() {
        let frame = KafkaCodec.request(apiKey: 18, apiVersion: 0, correlationId: 258, body: [])
        #expect(frame == [0, 0, 0, 21, 0, 18, 0, 0, 0, 0, 1, 2, 0, 11] + Array("kwire-probe".utf8))
    }

    @Test func metadataRequestAsksForAllTopics() {
        #expect(KafkaCodec.metadataRequestBody(version: 1) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(KafkaCodec.metadataRequestBody(version: 4) == [0xFF, 0xFF, 0xFF, 0xFF, 0])
        #expect(KafkaCodec.metadataRequestBody(version: 8) == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0])
    }

    @Test func decodesApiVersionsV0() throws {
        var f = Bytes()
        f.i32(1); f.i16(0); f.i32(2)
        f.i16(3); f.i16(0); f.i16(12)
        f.i16(18); f.i16(0); f.i16(3)
        var reader = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 1)
        let v = try KafkaCodec.decodeApiVersions(&reader, version: 0)
        #expect(v.errorCode == 0)
        #expect(v.apis == [KafkaApiVersionRange(apiKey: 3, minVersion: 0, maxVersion: 12),
                           KafkaApiVersionRange(apiKey: 18, minVersion: 0, maxVersion: 3)])
        #expect(v.range(for: 3)?.maxVersion == 12)
    }

    @Test func decodesApiVersionsV3WithTaggedFields() throws {
        var f = Bytes()
        f.i32(9); f.i16(0)
        f.i8(3)                                     // compact array: 2 entries
        f.i16(3); f.i16(1); f.i16(9); f.i8(0)
        f.i16(18); f.i16(0); f.i16(3); f.i8(1); f.i8(5); f.i8(2); f.i8(0xAA); f.i8(0xBB) // one tagged field
        f.i32(0)                                    // throttle
        f.i8(0)                                     // response tagged fields
        var reader = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 9)
        let v = try KafkaCodec.decodeApiVersions(&reader, version: 3)
        #expect(v.apis.map(\.apiKey) == [3, 18])
        #expect(v.range(for: 3) == KafkaApiVersionRange(apiKey: 3, minVersion: 1, maxVersion: 9))
        #expect(reader.remaining == 0)
    }

    @Test func decodesMetadataV8AndDerivesHealth() throws {
        var reader = try KafkaCodec.responseBody(metadataV8Frame(), expectedCorrelationId: 7)
        let m = try KafkaCodec.decodeMetadata(&reader, version: 8, answeredBy: anyBroker)
        #expect(reader.remaining == 0)
        #expect(m.brokers == [KafkaBroker(nodeId: 1, host: "b1.example", port: 9092, rack: "use1-az1"),
                              KafkaBroker(nodeId: 2, host: "b2.example", port: 9093, rack: nil)])
        #expect(m.clusterId == "cluster-xyz")
        #expect(m.controllerId == 2)
        let topic = try #require(m.topic(named: "orders"))
        #expect(topic.partitions.count == 2)
        let p0 = try #require(topic.partitions.first)
        #expect(p0.leader == 1 && p0.replicas == [1, 2] && p0.isr == [1] && p0.offlineReplicas == [2])
        #expect(p0.isUnderReplicated && !p0.isOffline)
        let p1 = try #require(topic.partitions.last)
        #expect(p1.errorCode == 5 && p1.isOffline && !p1.isUnderReplicated)
        #expect(m.summary == KafkaMetadataSummary(brokers: 2, topics: 1, topicsWithErrors: 0, partitions: 2,
                                                  underReplicatedPartitions: 1, offlinePartitions: 1))
    }

    /// Under-replication compared counts: an ISR of [7, 8] against replicas [1, 2] passed. And a
    /// leader of -2 was counted as led.
    @Test(arguments: [
        (Int32(1), [Int32(1), 2], [Int32(7), 8], true, false),
        (1, [1, 2], [2, 1], false, false),
        (1, [1, 2], [1, 2, 3], false, false),
        (1, [1, 2, 3], [1, 3], true, false),
        (-1, [1, 2], [1, 2], false, true),
        (-2, [1, 2], [1, 2], false, true),
    ])
    func underReplicationComparesBrokerSetsAndAnyNegativeLeaderIsOffline(
        leader: Int32, replicas: [Int32], isr: [Int32], underReplicated: Bool, offline: Bool
    ) {
        let partition = KafkaPartition(errorCode: 0, index: 0, leader: leader, replicas: replicas, isr: isr, offlineReplicas: [])
        #expect(partition.isUnderReplicated == underReplicated)
        #expect(partition.isOffline == offline)
    }

    @Test func everyTruncationOfAMetadataFrameThrowsMalformed() throws {
        let frame = metadataV8Frame()
        for length in 0..<frame.count {
            let cut = Array(frame.prefix(length))
            do {
                var reader = try KafkaCodec.responseBody(cut, expectedCorrelationId: 7)
                _ = try KafkaCodec.decodeMetadata(&reader, version: 8, answeredBy: anyBroker)
                Issue.record("truncated frame of \(length) bytes decoded")
            } catch {
                #expect(error.kind == .malformedResponse)
                #expect(error.description.contains("truncated"), "\(error)")
            }
        }
    }

    @Test func truncatedApiVersionsFrameNamesTheField() throws {
        var f = Bytes()
        f.i32(1); f.i16(0); f.i32(1); f.i16(3); f.i16(0)   // max version missing
        var reader = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 1)
        let error = #expect(throws: KafkaProbeError.self) {
            try KafkaCodec.decodeApiVersions(&reader, version: 0)
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.description == "truncated: 1 api keys at offset 6 need at least 6 bytes, only 4 left")
        // With the count satisfied, the missing field itself is named (v3: one tagged field announced, none sent).
        var g = Bytes()
        g.i32(1); g.i16(0); g.i8(2); g.i16(3); g.i16(0); g.i16(12); g.i8(1)
        var r2 = try KafkaCodec.responseBody(g.b, expectedCorrelationId: 1)
        let named = #expect(throws: KafkaProbeError.self) { try KafkaCodec.decodeApiVersions(&r2, version: 3) }
        #expect(named?.description == "truncated: 1 tagged fields of api key 3 at offset 13 need at least 2 bytes, only 0 left")
    }

    @Test func wrongCorrelationIdIsRejected() {
        var f = Bytes()
        f.i32(42); f.i16(0); f.i32(0)
        let error = #expect(throws: KafkaProbeError.self) {
            _ = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 41)
        }
        #expect(error?.kind == .correlationMismatch)
        #expect(error?.at(anyBroker, context: "ApiVersions v3 response").description ==
                "127.0.0.1:9092: ApiVersions v3 response: response correlation id 42 does not match request correlation id 41")
    }

    @Test func hugeArrayCountIsRejectedWithoutAllocating() throws {
        var f = Bytes()
        f.i32(1); f.i16(0); f.i32(0x7FFF_FFFF)
        var reader = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 1)
        let error = #expect(throws: KafkaProbeError.self) {
            try KafkaCodec.decodeApiVersions(&reader, version: 0)
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.description.contains("2147483647 api keys at offset 6") == true)
    }

    @Test func negativeStringLengthAndOverlongVarintAreRejected() throws {
        var f = Bytes()
        f.i32(0); f.i32(1); f.i32(1); f.i16(-5)
        var reader = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 0)
        #expect(throws: KafkaProbeError.self) { try KafkaCodec.decodeMetadata(&reader, version: 1, answeredBy: anyBroker) }

        var v = KafkaReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        let error = #expect(throws: KafkaProbeError.self) { try v.uvarint("test") }
        #expect(error?.description.contains("longer than 32 bits") == true)
    }

    @Test func frameSizePrefixIsValidated() throws {
        #expect(try KafkaCodec.frameLength(prefix: [0, 0, 1, 0]) == 256)
        #expect(throws: KafkaProbeError.self) { try KafkaCodec.frameLength(prefix: [0, 0, 0, 3]) }
        #expect(throws: KafkaProbeError.self) { try KafkaCodec.frameLength(prefix: [0xFF, 0xFF, 0xFF, 0xFF]) }
        // A TLS alert or HTTP reply read as a size is far over the limit.
        let error = #expect(throws: KafkaProbeError.self) { try KafkaCodec.frameLength(prefix: Array("HTTP".utf8)) }
        #expect(error?.description.contains("exceeds") == true)
        #expect(throws: KafkaProbeError.self) { try KafkaCodec.frameLength(prefix: [0, 0]) }
    }

    /// A million topics once took 4.1 s to decode on a shorter timeout: decoding checks the
    /// deadline as it goes.
    @Test func decodingAMetadataAnswerCountsAgainstTheTimeout() throws {
        var f = Bytes()
        f.i32(7)                   // correlation id
        f.i32(0)                   // brokers
        f.i32(-1)                  // controller
        f.i32(5_000)               // topics
        for _ in 0..<5_000 { f.i16(0); f.str("t"); f.i8(0); f.i32(0) }
        var reader = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 7)
        let past = ContinuousClock.now.advanced(by: .seconds(-1))
        let error = #expect(throws: KafkaProbeError.self) {
            try KafkaCodec.decodeMetadata(&reader, version: 1, answeredBy: anyBroker, deadline: past)
        }
        #expect(error?.kind == .timedOut)
        #expect(error?.description.contains("timed out decoding it, 1024 topics and partitions in") == true, "\(error?.description ?? "")")
        // With time left, the same answer decodes.
        var again = try KafkaCodec.responseBody(f.b, expectedCorrelationId: 7)
        let decoded = try KafkaCodec.decodeMetadata(&again, version: 1, answeredBy: anyBroker,
                                                    deadline: ContinuousClock.now.advanced(by: .seconds(60)))
        #expect(decoded.topics.count == 5_000)
    }
}

/// Big-endian Kafka primitive encoder.
struct KafkaWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func int16(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        bytes.append(UInt8(truncatingIfNeeded: u >> 8))
        bytes.append(UInt8(truncatingIfNeeded: u))
    }
    mutating func int32(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: u >> UInt32(shift)))
        }
    }
    mutating func uvarint(_ v: UInt32) {
        var value = v
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
    /// A nullable string with an int16 length (-1 for null); longer strings are truncated to 32767 bytes.
    mutating func nullableString(_ s: String?) {
        guard let s else { int16(-1); return }
        let utf8 = Array(s.utf8.prefix(Int(Int16.max)))
        int16(Int16(truncatingIfNeeded: utf8.count))
        bytes.append(contentsOf: utf8)
    }
    /// A compact string: unsigned varint of length + 1, then UTF-8 bytes.
    mutating func compactString(_ s: String) {
        let utf8 = Array(s.utf8.prefix(Int(Int16.max)))
        uvarint(UInt32(truncatingIfNeeded: utf8.count + 1))
        bytes.append(contentsOf: utf8)
    }
    /// An empty tagged-field section.
    mutating func emptyTaggedFields() { uvarint(0) }
}

/// Bounds-checked big-endian Kafka primitive decoder. Every read throws a malformed-response
/// ``KafkaProbeError`` naming the field and offset instead of reading past the end.
struct KafkaReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = max(0, min(offset, bytes.count))
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ what: String) throws(KafkaProbeError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else {
            throw .malformed("truncated: needed \(n) bytes for \(what) at offset \(offset), only \(remaining) left")
        }
        let slice = bytes[offset..<(offset + n)]
        offset += n
        return slice
    }

    private mutating func unsigned(_ n: Int, _ what: String) throws(KafkaProbeError) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(n, what) {
            value = value << 8 | UInt64(byte)
        }
        return value
    }

    mutating func int8(_ what: String) throws(KafkaProbeError) -> Int8 {
        Int8(bitPattern: UInt8(truncatingIfNeeded: try unsigned(1, what)))
    }
    mutating func bool(_ what: String) throws(KafkaProbeError) -> Bool {
        try int8(what) != 0
    }
    mutating func int16(_ what: String) throws(KafkaProbeError) -> Int16 {
        Int16(bitPattern: UInt16(truncatingIfNeeded: try unsigned(2, what)))
    }
    mutating func int32(_ what: String) throws(KafkaProbeError) -> Int32 {
        Int32(bitPattern: UInt32(truncatingIfNeeded: try unsigned(4, what)))
    }

    mutating func uvarint(_ what: String) throws(KafkaProbeError) -> UInt32 {
        var value: UInt32 = 0
        var shift: UInt32 = 0
        let start = offset
        while true {
            guard let byte = try take(1, what).first else {
                throw .malformed("truncated varint for \(what) at offset \(start)")
            }
            guard shift < 32, shift < 28 || byte & 0x70 == 0 else {
                throw .malformed("varint for \(what) at offset \(start) is longer than 32 bits")
            }
            value |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// An int16-length string; `nil` for length -1.
    mutating func nullableString(_ what: String) throws(KafkaProbeError) -> String? {
        let start = offset
        let length = try int16("length of \(what)")
        if length == -1 { return nil }
        guard length >= 0 else {
            throw .malformed("invalid length \(length) for \(what) at offset \(start)")
        }
        return String(decoding: try take(Int(length), what), as: UTF8.self)
    }

    mutating func string(_ what: String) throws(KafkaProbeError) -> String {
        let start = offset
        guard let s = try nullableString(what) else {
            throw .malformed("\(what) at offset \(start) is null but must not be")
        }
        return s
    }

    mutating func compactNullableString(_ what: String) throws(KafkaProbeError) -> String? {
        let lengthPlusOne = try uvarint("length of \(what)")
        if lengthPlusOne == 0 { return nil }
        return String(decoding: try take(Int(lengthPlusOne - 1), what), as: UTF8.self)
    }

    /// An int32 array count; `nil` for -1. Rejects counts that cannot fit in the remaining bytes.
    mutating func arrayCount(_ what: String, minElementSize: Int) throws(KafkaProbeError) -> Int? {
        let start = offset
        let count = try int32("count of \(what)")
        if count == -1 { return nil }
        return try checkedCount(Int(count), what, minElementSize: minElementSize, at: start)
    }

    /// A compact (uvarint count + 1) array count; `nil` for a null array.
    mutating func compactArrayCount(_ what: String, minElementSize: Int) throws(KafkaProbeError) -> Int? {
        let start = offset
        let countPlusOne = try uvarint("count of \(what)")
        if countPlusOne == 0 { return nil }
        return try checkedCount(Int(countPlusOne) - 1, what, minElementSize: minElementSize, at: start)
    }

    private func checkedCount(_ count: Int, _ what: String, minElementSize: Int, at start: Int) throws(KafkaProbeError) -> Int {
        guard count >= 0 else {
            throw .malformed("invalid count \(count) for \(what) at offset \(start)")
        }
        guard count <= remaining / max(1, minElementSize) else {
            throw .malformed("truncated: \(count) \(what) at offset \(start) need at least \(count * max(1, minElementSize)) bytes, only \(remaining) left")
        }
        return count
    }

    mutating func int32Array(_ what: String) throws(KafkaProbeError) -> [Int32] {
        let count = try arrayCount(what, minElementSize: 4) ?? 0
        var out: [Int32] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            out.append(try int32("element of \(what)"))
        }
        return out
    }

    /// Skips a tagged-field section (flexible versions).
    mutating func skipTaggedFields(_ what: String) throws(KafkaProbeError) {
        let start = offset
        let count = try uvarint("tagged field count of \(what)")
        guard Int(count) <= remaining / 2 else {
            throw .malformed("truncated: \(count) tagged fields of \(what) at offset \(start) need at least \(Int(count) * 2) bytes, only \(remaining) left")
        }
        for _ in 0..<count {
            _ = try uvarint("tag in \(what)")
            let size = try uvarint("tagged field size in \(what)")
            _ = try take(Int(size), "tagged field in \(what)")
        }
    }
}

/// Request/response framing and the ApiVersions and Metadata message codecs.
enum KafkaCodec {
    static let apiVersionsKey: Int16 = 18
    static let metadataKey: Int16 = 3
    static let unsupportedVersion: Int16 = 35
    /// Largest response frame accepted (the size prefix excluded): ``KafkaWireProbe/maxResponseSize``.
    static let maxFrameSize = KafkaWireProbe.maxResponseSize
    static let clientId = "kwire-probe"
    static let clientSoftwareName = "kwire-probe"
    static let clientSoftwareVersion = "1.0"

    /// A complete size-prefixed request: header v1 (v2 when `flexible`) followed by `body`.
    static func request(apiKey: Int16, apiVersion: Int16, correlationId: Int32,
                        flexible: Bool = false, body: [UInt8]) -> [UInt8] {
        var header = KafkaWriter()
        header.int16(apiKey)
        header.int16(apiVersion)
        header.int32(correlationId)
        header.nullableString(clientId)
        if flexible { header.emptyTaggedFields() }
        let payload = header.bytes + body
        var frame = KafkaWriter()
        frame.int32(Int32(truncatingIfNeeded: payload.count))
        return frame.bytes + payload
    }

    /// The frame length from a 4-byte size prefix, validated against ``maxFrameSize``.
    static func frameLength(prefix: [UInt8]) throws(KafkaProbeError) -> Int {
        var reader = KafkaReader(prefix)
        let size = try reader.int32("response size prefix")
        guard size >= 4 else {
            throw .malformed("response size \(size) is too small to hold a correlation id")
        }
        guard Int(size) <= maxFrameSize else {
            throw .malformed("the response claims \(size) bytes (\(mebibytes(Int(size)))), which exceeds the \(mebibytes(maxFrameSize)) limit on Kafka responses (not a Kafka broker, or TLS expected?)")
        }
        return Int(size)
    }

    /// A reader positioned after response header v0, once the correlation id matches.
    static func responseBody(_ frame: [UInt8], expectedCorrelationId: Int32) throws(KafkaProbeError) -> KafkaReader {
        var reader = KafkaReader(frame)
        let id = try reader.int32("response correlation id")
        guard id == expectedCorrelationId else {
            throw KafkaProbeError(.correlationMismatch,
                                  "response correlation id \(id) does not match request correlation id \(expectedCorrelationId)")
        }
        return reader
    }

    // MARK: ApiVersions

    static func apiVersionsRequestBody(version: Int16) -> [UInt8] {
        guard version >= 3 else { return [] }
        var w = KafkaWriter()
        w.compactString(clientSoftwareName)
        w.compactString(clientSoftwareVersion)
        w.emptyTaggedFields()
        return w.bytes
    }

    /// Decodes an ApiVersions response body of `version` (0...3).
    static func decodeApiVersions(_ reader: inout KafkaReader, version: Int16) throws(KafkaProbeError) -> KafkaApiVersions {
        let errorCode = try reader.int16("error code")
        let flexible = version >= 3
        let count: Int
        if flexible {
            count = try reader.compactArrayCount("api keys", minElementSize: 7) ?? 0
        } else {
            count = try reader.arrayCount("api keys", minElementSize: 6) ?? 0
        }
        var apis: [KafkaApiVersionRange] = []
        apis.reserveCapacity(count)
        for _ in 0..<count {
            let key = try reader.int16("api key")
            let minVersion = try reader.int16("min version of api key \(key)")
            let maxVersion = try reader.int16("max version of api key \(key)")
            if flexible { try reader.skipTaggedFields("api key \(key)") }
            apis.append(KafkaApiVersionRange(apiKey: key, minVersion: minVersion, maxVersion: maxVersion))
        }
        if version >= 1 { _ = try reader.int32("throttle time") }
        if flexible { try reader.skipTaggedFields("ApiVersions response") }
        return KafkaApiVersions(requestVersion: version, errorCode: errorCode, apis: apis)
    }

    // MARK: Metadata

    /// A Metadata request body asking for all topics (null topic array), for versions 1...8.
    static func metadataRequestBody(version: Int16) -> [UInt8] {
        var w = KafkaWriter()
        w.int32(-1)
        if version >= 4 { w.bool(false) }
        if version >= 8 {
            w.bool(false)
            w.bool(false)
        }
        return w.bytes
    }

    /// Decodes a non-flexible Metadata response body of `version` (0...8).
    ///
    /// - Parameter deadline: When decoding must give up: a 16 MiB answer of a million topics takes
    ///   seconds to decode, and the probe's timeout covers that too. Checked every 1,024 topics and
    ///   partitions; nil for none.
    static func decodeMetadata(_ reader: inout KafkaReader, version: Int16, answeredBy broker: HostPort,
                               deadline: ContinuousClock.Instant? = nil) throws(KafkaProbeError) -> KafkaClusterMetadata {
        var items = 0
        func tick() throws(KafkaProbeError) {
            items += 1
            if items % 1_024 == 0, let deadline, ContinuousClock.now >= deadline {
                throw KafkaProbeError(.timedOut, "timed out decoding it, \(items) topics and partitions in")
            }
        }
        if version >= 3 { _ = try reader.int32("throttle time") }
        let brokerCount = try reader.arrayCount("brokers", minElementSize: 10) ?? 0
        var brokers: [KafkaBroker] = []
        brokers.reserveCapacity(brokerCount)
        for i in 0..<brokerCount {
            let nodeId = try reader.int32("node id of broker #\(i)")
            let host = try reader.string("host of broker \(nodeId)")
            let port = try reader.int32("port of broker \(nodeId)")
            let rack = version >= 1 ? try reader.nullableString("rack of broker \(nodeId)") : nil
            brokers.append(KafkaBroker(nodeId: nodeId, host: host, port: port, rack: rack))
        }
        let clusterId = version >= 2 ? try reader.nullableString("cluster id") : nil
        let controllerId = version >= 1 ? try reader.int32("controller id") : -1
        let topicCount = try reader.arrayCount("topics", minElementSize: 8) ?? 0
        var topics: [KafkaTopic] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount {
            try tick()
            let topicError = try reader.int16("error code of topic #\(i)")
            let name = try reader.string("name of topic #\(i)")
            let isInternal = version >= 1 ? try reader.bool("internal flag of topic \(name)") : false
            let partitionCount = try reader.arrayCount("partitions of topic \(name)", minElementSize: 18) ?? 0
            var partitions: [KafkaPartition] = []
            partitions.reserveCapacity(partitionCount)
            for j in 0..<partitionCount {
                try tick()
                let partitionError = try reader.int16("error code of \(name) partition #\(j)")
                let index = try reader.int32("index of \(name) partition #\(j)")
                let leader = try reader.int32("leader of \(name)-\(index)")
                if version >= 7 { _ = try reader.int32("leader epoch of \(name)-\(index)") }
                let replicas = try reader.int32Array("replicas of \(name)-\(index)")
                let isr = try reader.int32Array("ISR of \(name)-\(index)")
                let offline = version >= 5 ? try reader.int32Array("offline replicas of \(name)-\(index)") : []
                partitions.append(KafkaPartition(errorCode: partitionError, index: index, leader: leader,
                                                 replicas: replicas, isr: isr, offlineReplicas: offline))
            }
            if version >= 8 { _ = try reader.int32("authorized operations of topic \(name)") }
            topics.append(KafkaTopic(errorCode: topicError, name: name, isInternal: isInternal, partitions: partitions))
        }
        if version >= 8 { _ = try reader.int32("cluster authorized operations") }
        return KafkaClusterMetadata(answeredBy: broker, apiVersion: version, brokers: brokers,
                                    clusterId: clusterId, controllerId: controllerId, topics: topics)
    }
}

import FuzzSupport
@_spi(Fuzzing) import Probes

// Kafka response frames come from whatever answers on a broker port. The first byte picks the
// API (bit 0: ApiVersions or Metadata) and its version (the rest); the other bytes are the
// frame after its size prefix, correlation id 1. A frame must decode or throw, never trap, and
// what decodes, written again by this file's own encoder, must decode to the same value.

private func strings(_ s: String?, _ w: inout BigEndian) -> Bool {
    guard let s else { w.int16(-1); return true }
    guard s.utf8.count <= Int(Int16.max) else { return false }
    w.int16(s.utf8.count)
    w.bytes += Array(s.utf8)
    return true
}

private func int32s(_ values: [Int32], _ w: inout BigEndian) {
    w.int32(values.count)
    for v in values { w.int32(Int(v)) }
}

private func encode(_ v: KafkaApiVersions, version: Int) -> [UInt8] {
    var w = BigEndian()
    w.int32(1)
    w.int16(Int(v.errorCode))
    let flexible = version >= 3
    if flexible { w.uvarint(v.apis.count + 1) } else { w.int32(v.apis.count) }
    for api in v.apis {
        w.int16(Int(api.apiKey)); w.int16(Int(api.minVersion)); w.int16(Int(api.maxVersion))
        if flexible { w.uvarint(0) }
    }
    if version >= 1 { w.int32(0) }
    if flexible { w.uvarint(0) }
    return w.bytes
}

private func encode(_ m: KafkaClusterMetadata, version: Int) -> [UInt8]? {
    var w = BigEndian()
    w.int32(1)
    if version >= 3 { w.int32(0) }
    w.int32(m.brokers.count)
    for b in m.brokers {
        w.int32(Int(b.nodeId))
        guard strings(b.host, &w) else { return nil }
        w.int32(Int(b.port))
        if version >= 1 { guard strings(b.rack, &w) else { return nil } }
    }
    if version >= 2 { guard strings(m.clusterId, &w) else { return nil } }
    if version >= 1 { w.int32(Int(m.controllerId)) }
    w.int32(m.topics.count)
    for t in m.topics {
        w.int16(Int(t.errorCode))
        guard strings(t.name, &w) else { return nil }
        if version >= 1 { w.int8(t.isInternal ? 1 : 0) }
        w.int32(t.partitions.count)
        for p in t.partitions {
            w.int16(Int(p.errorCode)); w.int32(Int(p.index)); w.int32(Int(p.leader))
            if version >= 7 { w.int32(0) }
            int32s(p.replicas, &w)
            int32s(p.isr, &w)
            if version >= 5 { int32s(p.offlineReplicas, &w) }
        }
        if version >= 8 { w.int32(0) }
    }
    if version >= 8 { w.int32(0) }
    return w.bytes
}

fuzz { bytes in
    guard let selector = bytes.first else { return }
    let frame = Array(bytes.dropFirst())
    if let length = try? FuzzEntryPoints.kafkaFrameLength(Array(frame.prefix(4))) {
        property(length >= 4 && length <= 64 * 1_024 * 1_024, "frame length \(length) outside 4...64 MiB")
    }
    if selector & 1 == 0 {
        let version = Int(selector >> 1) % 4
        do {
            let decoded = try FuzzEntryPoints.kafkaApiVersions(frame, version: Int16(version), correlationId: 1)
            let again = try FuzzEntryPoints.kafkaApiVersions(encode(decoded, version: version), version: Int16(version), correlationId: 1)
            property(again == decoded, "ApiVersions v\(version) changed after encoding: \(decoded) then \(again)")
        } catch {
            _ = "\(error)"
        }
    } else {
        let version = Int(selector >> 1) % 9
        do {
            let decoded = try FuzzEntryPoints.kafkaMetadata(frame, version: Int16(version), correlationId: 1)
            _ = decoded.summary
            guard let encoded = encode(decoded, version: version) else { return }
            let again = try FuzzEntryPoints.kafkaMetadata(encoded, version: Int16(version), correlationId: 1)
            property(again == decoded, "Metadata v\(version) changed after encoding: \(decoded) then \(again)")
        } catch {
            _ = "\(error)"
        }
    }
}

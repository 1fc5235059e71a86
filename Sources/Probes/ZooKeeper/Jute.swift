/// Big-endian encoding in ZooKeeper's jute wire format.
struct JuteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func int(_ value: Int32) {
        let v = UInt32(bitPattern: value)
        bytes += [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
                  UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    mutating func long(_ value: Int64) {
        let v = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    mutating func bool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func buffer(_ value: [UInt8]) {
        int(Int32(truncatingIfNeeded: value.count))
        bytes += value
    }

    mutating func string(_ value: String) {
        buffer(Array(value.utf8))
    }

    /// The encoded bytes preceded by their 4-byte length, as sent on the wire.
    var framed: [UInt8] {
        var frame = JuteWriter()
        frame.int(Int32(truncatingIfNeeded: bytes.count))
        return frame.bytes + bytes
    }
}

/// A failure decoding jute data: what was being read and where.
struct JuteError: Error {
    let message: String
}

/// Big-endian decoding of ZooKeeper's jute wire format.
struct JuteReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ what: String) throws(JuteError) -> ArraySlice<UInt8> {
        guard n >= 0, remaining >= n else {
            throw JuteError(message: "truncated \(what): needed \(n) bytes at offset \(offset), have \(remaining)")
        }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func int(_ what: String) throws(JuteError) -> Int32 {
        var v: UInt32 = 0
        for b in try take(4, what) { v = v << 8 | UInt32(b) }
        return Int32(bitPattern: v)
    }

    mutating func long(_ what: String) throws(JuteError) -> Int64 {
        var v: UInt64 = 0
        for b in try take(8, what) { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v)
    }

    mutating func bool(_ what: String) throws(JuteError) -> Bool {
        try take(1, what).first != 0
    }

    /// A length-prefixed byte buffer; a length of -1 means null and reads as empty.
    mutating func buffer(_ what: String) throws(JuteError) -> [UInt8] {
        let n = try int("\(what) length")
        if n == -1 { return [] }
        guard n >= 0 else { throw JuteError(message: "negative \(what) length \(n) at offset \(offset - 4)") }
        return Array(try take(Int(n), what))
    }

    mutating func string(_ what: String) throws(JuteError) -> String {
        String(decoding: try buffer(what), as: UTF8.self)
    }

    /// A vector of strings; a count of -1 means null and reads as empty.
    mutating func stringVector(_ what: String) throws(JuteError) -> [String] {
        let n = try int("\(what) count")
        if n == -1 { return [] }
        guard n >= 0, Int(n) <= remaining / 4 else {
            throw JuteError(message: "implausible \(what) count \(n) at offset \(offset - 4)")
        }
        var result: [String] = []
        result.reserveCapacity(Int(n))
        for i in 0..<Int(n) { result.append(try string("\(what)[\(i)]")) }
        return result
    }
}

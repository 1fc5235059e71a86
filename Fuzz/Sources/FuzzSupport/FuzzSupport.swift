import CFuzzDriver
import Glibc

/// The one input handler of this process: LLVMFuzzerRunDriver takes a C function pointer,
/// which cannot capture, so the handler waits here.
nonisolated(unsafe) private var handler: (([UInt8]) -> Void)?

/// Runs libFuzzer with `body` as the target: it gets each input's bytes and must not trap.
public func fuzz(_ body: @escaping ([UInt8]) -> Void) -> Never {
    handler = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        handler?(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    })
}

/// A property of the parser under test: when it does not hold, the input is a crash for libFuzzer.
public func property(_ holds: Bool, _ message: @autoclosure () -> String) {
    guard !holds else { return }
    var text = "property violated: \(message())\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    abort()
}

/// `bytes` cut at each `separator`, at most `parts` pieces (the last keeps any further separators).
public func pieces(_ bytes: [UInt8], separator: UInt8, parts: Int) -> [[UInt8]] {
    bytes.split(separator: separator, maxSplits: parts - 1, omittingEmptySubsequences: false).map(Array.init)
}

/// Big-endian writer of the harnesses' own, so a decoder is never checked against its own encoder.
public struct BigEndian {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func int8(_ v: Int) { bytes.append(UInt8(truncatingIfNeeded: v)) }
    public mutating func int16(_ v: Int) { for s in [8, 0] { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    public mutating func int32(_ v: Int) { for s in [24, 16, 8, 0] { bytes.append(UInt8(truncatingIfNeeded: v >> s)) } }
    public mutating func int64(_ v: Int64) { for s in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: v >> Int64(s))) } }
    public mutating func uvarint(_ v: Int) {
        var value = UInt32(truncatingIfNeeded: v)
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: value))
    }
}

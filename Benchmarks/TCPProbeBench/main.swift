// tcp-probe-bench: sets up loopback targets (`serve`) and probes them concurrently (`probe`).
//
//   tcp-probe-bench serve TARGETS_FILE   # listens on 127.0.0.1, writes "port kind" lines, runs until killed
//   tcp-probe-bench probe TARGETS_FILE [CONCURRENCY]
//
// Kinds: open (listening, large backlog), closed (bound then closed: RST), silent (backlog-0 listener whose
// accept queue is pre-filled, so SYNs are dropped and the connect times out).
import Glibc
import Probes

func fail(_ message: String) -> Never {
    let text = Array("tcp-probe-bench: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func loopbackAddress(_ port: UInt16) -> sockaddr_in {
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_port = port.bigEndian
    sin.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
    return sin
}

/// Binds a TCP socket to 127.0.0.1 on an ephemeral port; returns (fd, port).
func bindLoopback() -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { fail("socket: errno \(errno)") }
    var sin = loopbackAddress(0)
    let rc = withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard rc == 0 else { fail("bind: errno \(errno)") }
    var out = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &out) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return (fd, Int(UInt16(bigEndian: out.sin_port)))
}

func serve(_ path: String) -> Never {
    var targets: [(Int, String)] = []
    var keep: [Int32] = []
    for _ in 0..<50 {  // 50 open ports x 10 = 500 targets
        let (fd, port) = bindLoopback()
        guard listen(fd, 4_096) == 0 else { fail("listen: errno \(errno)") }
        keep.append(fd)
        for _ in 0..<10 { targets.append((port, "open")) }
    }
    for _ in 0..<48 {  // 48 closed ports x 10 = 480 targets
        let (fd, port) = bindLoopback()
        close(fd)
        for _ in 0..<10 { targets.append((port, "closed")) }
    }
    for _ in 0..<10 {  // 10 silent ports x 2 = 20 targets
        let (fd, port) = bindLoopback()
        guard listen(fd, 0) == 0 else { fail("listen: errno \(errno)") }
        keep.append(fd)
        for _ in 0..<3 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var sin = loopbackAddress(UInt16(port))
            _ = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            keep.append(c)
        }
        for _ in 0..<2 { targets.append((port, "silent")) }
    }
    // Deterministic shuffle so kinds are interleaved.
    var rng = UInt64(0x9E37_79B9_7F4A_7C15)
    for i in stride(from: targets.count - 1, to: 0, by: -1) {
        rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        targets.swapAt(i, Int((rng >> 33) % UInt64(i + 1)))
    }
    let text = targets.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
    guard let f = fopen(path, "w") else { fail("cannot write \(path)") }
    fputs(text, f)
    fclose(f)
    print("ready \(targets.count) targets")
    fflush(nil)
    while true { pause() }
}

func readTargets(_ path: String) -> [(port: Int, kind: String)] {
    guard let f = fopen(path, "r") else { fail("cannot read \(path)") }
    defer { fclose(f) }
    var out: [(Int, String)] = []
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "\n" })
        if parts.count == 2, let p = Int(parts[0]) { out.append((p, String(parts[1]))) }
    }
    return out
}

func peakRSS() -> String {
    guard let f = fopen("/proc/self/status", "r") else { return "?" }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if s.hasPrefix("VmHWM:") {
            return s.dropFirst(6).trimmingPrefix(while: { $0 == " " || $0 == "\t" }).split(separator: "\n").first.map(String.init) ?? "?"
        }
    }
    return "?"
}

func probe(_ path: String, concurrency: Int) async {
    let targets = readTargets(path)
    let start = ContinuousClock.now
    let results = await withTaskGroup(of: (Int, TCPProbeResult).self) { group in
        var out = [TCPProbeResult?](repeating: nil, count: targets.count)
        var next = 0
        func add(_ group: inout TaskGroup<(Int, TCPProbeResult)>) {
            let i = next
            let port = targets[i].port
            group.addTask { (i, await TCPProbe.probe(host: "127.0.0.1", port: port, timeout: .seconds(1))) }
            next += 1
        }
        while next < min(concurrency, targets.count) { add(&group) }
        for await (i, r) in group {
            out[i] = r
            if next < targets.count { add(&group) }
        }
        return out
    }
    let wall = ContinuousClock.now - start
    var counts: [String: Int] = [:]
    var unexpected = 0
    for (i, t) in targets.enumerated() {
        guard let r = results[i] else { unexpected += 1; continue }
        let got = r.failure.map { "\($0)" } ?? "ok"
        counts["\(t.kind)->\(got)", default: 0] += 1
        let expected = t.kind == "open" ? r.ok : t.kind == "closed" ? r.failure == .refused : r.failure == .timedOut
        if !expected { unexpected += 1 }
    }
    let (s, atto) = wall.components
    let ms = Double(s) * 1_000 + Double(atto) / 1e15
    print("targets=\(targets.count) concurrency=\(concurrency) timeout=1s")
    print("outcomes: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    print("unexpected=\(unexpected)")
    print("wall_ms=\(Int(ms.rounded()))")
    print("peak_rss=\(peakRSS())")
}

let args = CommandLine.arguments
guard args.count >= 3 else { fail("usage: tcp-probe-bench serve|probe TARGETS_FILE [CONCURRENCY]") }
switch args[1] {
case "serve":
    serve(args[2])
case "probe":
    let concurrency = args.count > 3 ? (Int(args[3]) ?? 1_000) : 1_000
    await probe(args[2], concurrency: max(1, concurrency))
default:
    fail("unknown mode \(args[1])")
}

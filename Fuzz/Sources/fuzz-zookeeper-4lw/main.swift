import FuzzSupport
@_spi(Fuzzing) import Probes

// Four-letter-word answers are text from whatever answers on the client port. The input is the
// `ruok`, `srvr` and `mntr` answers separated by NUL bytes (a missing one was not answered).
// Parsing must never trap, and the figures read, written again as `srvr` and `mntr` answers,
// must read back the same.

private func sameLatency(_ a: ZooKeeperLatency?, _ b: ZooKeeperLatency?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
    return same(a.min, b.min) && same(a.avg, b.avg) && same(a.max, b.max)
}

fuzz { bytes in
    let parts = pieces(bytes, separator: 0, parts: 3).map { String(decoding: $0, as: UTF8.self) }
    func part(_ i: Int) -> String? { i < parts.count ? parts[i] : nil }
    let status = FuzzEntryPoints.zooKeeperAnswers(ruok: part(0), srvr: part(1), mntr: part(2))
    _ = status.description
    _ = status.summary

    // mntr: the pairs, one `key<TAB>value` line each, read back the same.
    if let mntr = part(2) {
        let pairs = FuzzEntryPoints.zooKeeperAnswers(ruok: nil, srvr: nil, mntr: mntr).mntr
        let written = pairs.map { "\($0.key)\t\($0.value)\n" }.joined()
        let again = FuzzEntryPoints.zooKeeperAnswers(ruok: nil, srvr: nil, mntr: written).mntr
        property(again == pairs, "mntr pairs changed after writing: \(pairs) then \(again)")
    }

    // srvr: the figures, written as ZooKeeper writes them, read back the same.
    if let srvr = part(1) {
        let read = FuzzEntryPoints.zooKeeperAnswers(ruok: nil, srvr: srvr, mntr: nil)
        var lines: [String] = []
        if let version = read.version { lines.append("Zookeeper version: \(version)") }
        if let latency = read.latency { lines.append("Latency min/avg/max: \(latency.min)/\(latency.avg)/\(latency.max)") }
        if let connections = read.connections { lines.append("Connections: \(connections)") }
        if let outstanding = read.outstandingRequests { lines.append("Outstanding: \(outstanding)") }
        if let mode = read.mode { lines.append("Mode: \(mode)") }
        if let count = read.znodeCount { lines.append("Node count: \(count)") }
        let again = FuzzEntryPoints.zooKeeperAnswers(ruok: nil, srvr: lines.joined(separator: "\n"), mntr: nil)
        property(again.version == read.version && again.mode == read.mode && sameLatency(again.latency, read.latency)
                 && again.connections == read.connections && again.outstandingRequests == read.outstandingRequests
                 && again.znodeCount == read.znodeCount,
                 "srvr figures changed after writing: \(read) then \(again)")
    }
}

/// The outcome of sending one four-letter word.
enum FourLetterWordReply: Sendable {
    /// The server's answer.
    case answered(String)
    /// The server answered "<word> is not executed because it is not in the whitelist."
    case notWhitelisted
    /// The word could not be sent or answered.
    case failed(ZooKeeperProbeError)
}

enum FourLetterWords {
    static let notWhitelistedMarker = "is not executed because it is not in the whitelist"
    static let notServingMarker = "not currently serving requests"
    /// The longest four-letter-word answer read, 1 MiB: `mntr` on a busy server is a few KB, and
    /// the answer is read as it arrives, so only bytes actually sent count toward it.
    static let replyLimit = 1 << 20

    /// Sends `word` (e.g. `ruok`) on a fresh connection and reads the reply until the server closes.
    static func send(_ word: String, to server: HostPort, deadline: ContinuousClock.Instant,
                     tls: ProbeTLSOptions? = nil) async -> FourLetterWordReply {
        let connection: ProbeConnection
        do {
            connection = try await ProbeConnection.connect(host: server.host, port: server.port,
                                                           timeout: remaining(until: deadline), tls: tls)
        } catch {
            return .failed(.connection(error, server: server, during: "Connecting for `\(word)`"))
        }
        defer { connection.close() }
        let bytes: [UInt8]
        do {
            try await connection.write(Array(word.utf8), deadline: deadline)
            bytes = try await connection.readToEnd(limit: replyLimit, deadline: deadline)
        } catch {
            return .failed(.connection(error, server: server, during: "`\(word)`"))
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains(notWhitelistedMarker) { return .notWhitelisted }
        return .answered(text)
    }

    /// Parsed figures from `srvr` or `mntr`.
    struct Figures: Equatable {
        var mode: ZooKeeperMode?
        var version: String?
        var latency: ZooKeeperLatency?
        var outstanding: Int?
        var znodeCount: Int?
        var connections: Int?

        /// Takes each figure this one lacks from `more` (the `srvr` figures, completed from `mntr`).
        mutating func fillGaps(from more: Figures) {
            mode = mode ?? more.mode
            version = version ?? more.version
            latency = latency ?? more.latency
            outstanding = outstanding ?? more.outstanding
            znodeCount = znodeCount ?? more.znodeCount
            connections = connections ?? more.connections
        }
    }

    /// Parses `srvr` output:
    /// ```
    /// Zookeeper version: 3.8.0-..., built on 2024-12-29 17:54 UTC
    /// Latency min/avg/max: 0/0.0/0
    /// Connections: 1
    /// Outstanding: 0
    /// Mode: standalone
    /// Node count: 5
    /// ```
    static func parseSrvr(_ text: String) -> Figures {
        var figures = Figures()
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingSpaces.lowercased()
            let value = String(line[line.index(after: colon)...].trimmingSpaces)
            switch key {
            case "zookeeper version": figures.version = releaseNumber(value)
            case "latency min/avg/max":
                let parts = value.split(separator: "/").compactMap { Double($0.trimmingSpaces) }
                if parts.count == 3 { figures.latency = ZooKeeperLatency(min: parts[0], avg: parts[1], max: parts[2]) }
            case "outstanding": figures.outstanding = Int(value)
            case "node count": figures.znodeCount = Int(value)
            case "connections": figures.connections = Int(value)
            case "mode": figures.mode = ZooKeeperMode(value)
            default: break
            }
        }
        return figures
    }

    /// Parses `mntr` output: one `key<TAB>value` pair per line.
    static func parseMntrPairs(_ text: String) -> [String: String] {
        var pairs: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let tab = line.firstIndex(of: "\t") else { continue }
            pairs[String(line[..<tab].trimmingSpaces)] = String(line[line.index(after: tab)...].trimmingSpaces)
        }
        return pairs
    }

    /// Extracts the figures the status reports from `mntr` pairs.
    static func figures(fromMntr pairs: [String: String]) -> Figures {
        var figures = Figures()
        figures.mode = pairs["zk_server_state"].map(ZooKeeperMode.init)
        figures.version = pairs["zk_version"].map(releaseNumber)
        if let min = pairs["zk_min_latency"].flatMap(Double.init),
           let avg = pairs["zk_avg_latency"].flatMap(Double.init),
           let max = pairs["zk_max_latency"].flatMap(Double.init) {
            figures.latency = ZooKeeperLatency(min: min, avg: avg, max: max)
        }
        figures.outstanding = pairs["zk_outstanding_requests"].flatMap { Int($0) }
        figures.znodeCount = pairs["zk_znode_count"].flatMap { Int($0) }
        figures.connections = pairs["zk_num_alive_connections"].flatMap { Int($0) }
        return figures
    }

    /// `3.8.0-5a02a05e..., built on ...` → `3.8.0`; text without that shape is returned trimmed.
    static func releaseNumber(_ text: String) -> String {
        var release = Substring(text)
        if let comma = release.firstIndex(of: ",") { release = release[..<comma] }
        if let dash = release.firstIndex(of: "-"),
           release[..<dash].allSatisfy({ $0.isNumber || $0 == "." }), release.startIndex != dash {
            release = release[..<dash]
        }
        return String(release.trimmingSpaces)
    }
}

extension ZooKeeperServerStatus {
    /// Sets the figures the status reports from four-letter-word answers.
    mutating func take(_ figures: FourLetterWords.Figures) {
        mode = figures.mode
        version = figures.version
        latency = figures.latency
        outstandingRequests = figures.outstanding
        znodeCount = figures.znodeCount
        connections = figures.connections
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    var trimmedWhitespace: String { String(Substring(self).trimmingSpaces) }
}

/// The parsers of outside input in this module, for the libFuzzer targets of `Fuzz/` only.
///
/// Each entry runs the same internal decoder the probes run on bytes from the network; none of
/// them is part of the module's API (`@_spi(Fuzzing) import Probes` to see them).
@_spi(Fuzzing) public enum FuzzEntryPoints {
    private static let peer = HostPort(host: "127.0.0.1", port: 9092)

    /// The length a Kafka response's 4-byte size prefix announces.
    public static func kafkaFrameLength(_ prefix: [UInt8]) throws -> Int {
        try KafkaCodec.frameLength(prefix: prefix)
    }

    /// An ApiVersions response of `version` (0...3): `frame` is the bytes after the size prefix.
    public static func kafkaApiVersions(_ frame: [UInt8], version: Int16, correlationId: Int32) throws -> KafkaApiVersions {
        var reader = try KafkaCodec.responseBody(frame, expectedCorrelationId: correlationId)
        return try KafkaCodec.decodeApiVersions(&reader, version: version)
    }

    /// A Metadata response of `version` (0...8): `frame` is the bytes after the size prefix.
    public static func kafkaMetadata(_ frame: [UInt8], version: Int16, correlationId: Int32) throws -> KafkaClusterMetadata {
        var reader = try KafkaCodec.responseBody(frame, expectedCorrelationId: correlationId)
        return try KafkaCodec.decodeMetadata(&reader, version: version, answeredBy: peer)
    }

    /// The length a ZooKeeper reply's 4-byte prefix announces.
    public static func juteFrameLength(_ prefix: [UInt8]) throws -> Int {
        try ZooKeeperSession.frameLength(prefix, server: peer)
    }

    /// The negotiated timeout and session id of a jute ConnectResponse.
    public static func juteConnectResponse(_ reply: [UInt8]) throws -> (timeOut: Int32, sessionId: Int64) {
        try ZooKeeperSession.decodeConnectResponse(reply)
    }

    /// A jute reply header and, when it reports success, the GetChildren2Response children after it.
    public static func juteGetChildrenReply(_ reply: [UInt8]) throws -> (xid: Int32, zxid: Int64, err: Int32, children: [String]?) {
        var reader = JuteReader(reply)
        let header = try ZooKeeperSession.ReplyHeader(&reader)
        let children = header.err == 0 ? try reader.stringVector("GetChildren2Response.children") : nil
        return (header.xid, header.zxid, header.err, children)
    }

    /// The status the ZooKeeper probe reports from these four-letter-word answers (`nil`: not answered).
    public static func zooKeeperAnswers(ruok: String?, srvr: String?, mntr: String?) -> ZooKeeperServerStatus {
        var status = ZooKeeperServerStatus(host: peer.host, port: 2181)
        status.reachable = true
        if let ruok { status.ok = ruok.trimmedWhitespace == "imok" }
        var figures = FourLetterWords.Figures()
        if let srvr { figures = FourLetterWords.parseSrvr(srvr) }
        if let mntr {
            status.mntr = FourLetterWords.parseMntrPairs(mntr)
            figures.fillGaps(from: FourLetterWords.figures(fromMntr: status.mntr))
        }
        status.take(figures)
        return status
    }
}

/// A Kafka wire-protocol probe over TCP, or TLS when `tls` is given: ApiVersions and cluster Metadata,
/// without a Kafka client library. SASL listeners are not supported.
public enum KafkaWireProbe {
    /// The largest Kafka response accepted, 16 MiB; a broker whose size prefix claims more fails the
    /// call with an error naming the claimed size and this limit.
    ///
    /// A Metadata answer for a large cluster is a few MB: about 50 bytes a partition (v8, three
    /// replicas) plus the topic names, so even 120,000 partitions, more than 30 brokers at MSK's
    /// largest recommended 4,000 partitions each can hold, come to about 8 MB; 16 MiB leaves twice that. Anything bigger could not become a Lua result within a run's 64 MiB
    /// memory limit anyway, and the buffer grows only as bytes actually arrive, so a claim that is
    /// never sent costs nothing.
    public static let maxResponseSize = 16 * 1_024 * 1_024

    /// Asks one broker which request versions it supports.
    ///
    /// Sends ApiVersions v3 (flexible encoding, with this client's software name and version); a
    /// broker that answers with error 35 (UNSUPPORTED_VERSION) is asked again with v0.
    ///
    /// - Parameters:
    ///   - host: The broker's host name or address.
    ///   - port: The broker's port, 1-65535 (a TLS listener's port when `tls` is given).
    ///   - timeout: The time allowed for connecting and all requests together.
    ///   - tls: TLS options for a TLS listener; nil for plaintext.
    /// - Returns: The broker's error code (0 on success) and supported version ranges.
    /// - Throws: ``KafkaProbeError`` when the broker cannot be reached or its reply is malformed.
    public static func apiVersions(host: String, port: Int, timeout: Duration,
                                   tls: ProbeTLSOptions? = nil) async throws(KafkaProbeError) -> KafkaApiVersions {
        guard !host.isEmpty, (1...65535).contains(port) else {
            throw KafkaProbeError(.invalidArgument, "invalid broker address \(quoted(host)):\(port) (need a host and a port 1-65535)")
        }
        let broker = HostPort(host: host, port: port)
        let session = try await KafkaSession.open(broker, timeout: timeout, tls: tls)
        defer { session.close() }
        return try await session.apiVersions()
    }

    /// Fetches cluster metadata (brokers, controller, cluster id, all topics and partitions) from the
    /// first bootstrap broker that accepts a connection.
    ///
    /// Uses ApiVersions to pick the highest Metadata version in v1-v8 that the broker supports, and
    /// requests all topics.
    ///
    /// - Parameters:
    ///   - bootstrap: A comma-separated broker list such as `b-1.example:9092,b-2.example:9092`.
    ///   - timeout: The time allowed per bootstrap broker, for connecting and both requests.
    ///   - tls: TLS options for TLS listeners; nil for plaintext.
    /// - Returns: The metadata, with per-partition health and a ``KafkaClusterMetadata/summary``.
    /// - Throws: ``KafkaProbeError``: `.noBrokerReachable` (listing each failure) when no broker
    ///   accepts a connection; otherwise the error from the broker that did.
    public static func metadata(bootstrap: String, timeout: Duration,
                                tls: ProbeTLSOptions? = nil) async throws(KafkaProbeError) -> KafkaClusterMetadata {
        let brokers: [HostPort]
        do {
            brokers = try ConnectionStrings.bootstrapBrokers(bootstrap)
        } catch {
            throw KafkaProbeError(.invalidArgument, "invalid bootstrap string: \(error)")
        }
        var failures: [KafkaProbeError] = []
        for broker in brokers {
            let session: KafkaSession
            do {
                session = try await KafkaSession.open(broker, timeout: timeout, tls: tls)
            } catch {
                if error.kind == .connectionFailed && brokers.count > 1 && !Task.isCancelled {
                    failures.append(error)
                    continue
                }
                throw error
            }
            defer { session.close() }
            return try await session.metadata()
        }
        throw KafkaProbeError(.noBrokerReachable,
                              "no bootstrap broker could be reached: " + failures.map(\.description).joined(separator: "; "))
    }
}

/// One connection to one broker, with a deadline and a correlation id counter.
final class KafkaSession {
    let broker: HostPort
    private let connection: ProbeConnection
    private let started: ContinuousClock.Instant
    private let deadline: ContinuousClock.Instant
    private var correlationId: Int32 = 0

    private init(broker: HostPort, connection: ProbeConnection, started: ContinuousClock.Instant, deadline: ContinuousClock.Instant) {
        self.broker = broker
        self.connection = connection
        self.started = started
        self.deadline = deadline
    }

    static func open(_ broker: HostPort, timeout: Duration, tls: ProbeTLSOptions?) async throws(KafkaProbeError) -> KafkaSession {
        let started = ContinuousClock.now
        let deadline = started.advanced(by: timeout)
        do {
            let connection = try await ProbeConnection.connect(host: broker.host, port: broker.port, timeout: timeout, tls: tls)
            return KafkaSession(broker: broker, connection: connection, started: started, deadline: deadline)
        } catch {
            throw .connection(error, broker: broker, during: "connecting")
        }
    }

    func close() { connection.close() }

    /// Sends one request and returns a reader positioned at the response body.
    private func exchange(apiKey: Int16, version: Int16, flexible: Bool, body: [UInt8],
                          name: String) async throws(KafkaProbeError) -> KafkaReader {
        correlationId &+= 1
        let id = correlationId
        let context = "\(name) v\(version) response"
        let request = KafkaCodec.request(apiKey: apiKey, apiVersion: version, correlationId: id,
                                         flexible: flexible, body: body)
        let frame: [UInt8]
        do {
            try await connection.write(request, deadline: deadline)
            let length = try KafkaCodec.frameLength(prefix: try await connection.read(exactly: 4, deadline: deadline))
            frame = try await connection.read(exactly: length, deadline: deadline)
        } catch let error as KafkaProbeError {
            throw error.at(broker, context: context)
        } catch {
            throw .connection(error, broker: broker, during: "\(name) v\(version) request")
        }
        do {
            return try KafkaCodec.responseBody(frame, expectedCorrelationId: id)
        } catch {
            throw error.at(broker, context: context)
        }
    }

    func apiVersions() async throws(KafkaProbeError) -> KafkaApiVersions {
        let first = try await apiVersions(version: 3)
        guard first.errorCode == KafkaCodec.unsupportedVersion else { return first }
        return try await apiVersions(version: 0)
    }

    private func apiVersions(version: Int16) async throws(KafkaProbeError) -> KafkaApiVersions {
        var reader = try await exchange(apiKey: KafkaCodec.apiVersionsKey, version: version, flexible: version >= 3,
                                        body: KafkaCodec.apiVersionsRequestBody(version: version),
                                        name: "ApiVersions")
        do {
            // An UNSUPPORTED_VERSION answer may be encoded as v0 whatever was asked; only its code matters.
            var peek = reader
            if try peek.int16("error code") == KafkaCodec.unsupportedVersion && version > 0 {
                return KafkaApiVersions(requestVersion: version, errorCode: KafkaCodec.unsupportedVersion, apis: [])
            }
            return try KafkaCodec.decodeApiVersions(&reader, version: version)
        } catch {
            throw error.at(broker, context: "ApiVersions v\(version) response")
        }
    }

    func metadata() async throws(KafkaProbeError) -> KafkaClusterMetadata {
        let versions = try await apiVersions()
        guard versions.errorCode == 0 else {
            throw KafkaProbeError(.brokerError(code: versions.errorCode), broker: broker.description,
                                  "ApiVersions v\(versions.requestVersion) failed with Kafka error code \(versions.errorCode)")
        }
        guard let range = versions.range(for: KafkaCodec.metadataKey) else {
            throw KafkaProbeError(.unsupportedVersion, broker: broker.description,
                                  "the broker does not list the Metadata API (key 3) in ApiVersions")
        }
        let version = min(8, range.maxVersion)
        guard version >= max(1, range.minVersion) else {
            throw KafkaProbeError(.unsupportedVersion, broker: broker.description,
                                  "the broker supports Metadata v\(range.minVersion)-v\(range.maxVersion); this probe speaks v1-v8")
        }
        var reader = try await exchange(apiKey: KafkaCodec.metadataKey, version: version, flexible: false,
                                        body: KafkaCodec.metadataRequestBody(version: version), name: "Metadata")
        do {
            return try KafkaCodec.decodeMetadata(&reader, version: version, answeredBy: broker, deadline: deadline)
        } catch where error.kind == .timedOut {
            throw KafkaProbeError(.timedOut, "\(error.problem) after \(Int(elapsedMs(since: started).rounded())) ms")
                .at(broker, context: "Metadata v\(version) response")
        } catch {
            throw error.at(broker, context: "Metadata v\(version) response")
        }
    }
}

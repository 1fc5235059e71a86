public import RunbookEngine

/// What `runbook serve` was told: where to listen, whom to trust, and what to do with events.
public struct EventServerSettings: Sendable {
    /// The address to listen on (`127.0.0.1`, `0.0.0.0`).
    public var host: String
    /// The port; 0 picks a free one, which the start line names.
    public var port: Int
    /// Required on the EventBridge and Alertmanager routes and on `/v1/runs`.
    public var token: BearerToken
    /// The SNS topics whose messages are taken and whose subscriptions are confirmed.
    public var snsTopics: Set<String>
    /// SNS signing certificates, fetched and kept.
    public var snsCertificates: SNSCertificateCache
    /// Test only: where `https://sns.<region>.amazonaws.com` is reached instead, to confirm subscriptions.
    public var snsEndpointOverride: String?
    /// Events a second each source may send, in a burst of as many; nil for no limit.
    public var rate: Double?
    /// How long a connection may send nothing before it is closed, so idle or stalled clients
    /// cannot hold connections, or a graceful stop, for ever.
    public var idleTimeout: Duration = .seconds(30)
    /// When set, authenticated events go to this queue as they were received, for `runbook worker`s,
    /// and nothing runs here.
    public var forward: SQSQueue?
    /// The folder of the decisions' journals, which `/v1/runs/{id}` reads.
    public var journalDirectory: String

    /// Settings with no SNS topic, no endpoint override and no rate limit.
    public init(host: String, port: Int, token: BearerToken, snsCertificates: SNSCertificateCache, journalDirectory: String) {
        self.host = host
        self.port = port
        self.token = token
        snsTopics = []
        self.snsCertificates = snsCertificates
        rate = nil
        self.journalDirectory = journalDirectory
    }
}

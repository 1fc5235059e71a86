import Foundation

/// The SDKs' "standard" retry mode: 3 attempts, exponential backoff with full jitter
/// capped at 20 s, retrying throttling, transient errors, 5xx and broken connections,
/// and a retry quota so a failing service is not hammered by every caller at once.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The largest delay between two attempts.
    public var maxBackoff: Duration
    /// The most a whole call may take, every attempt and every wait included, as the SDKs'
    /// total call timeout (the Java SDK's `apiCallTimeout`) bounds theirs. Each attempt gets
    /// its own timeout or what is left of this, whichever is less, and no retry starts that
    /// could not begin before it runs out. Without it, an answer dripping a byte a second
    /// held a call for three attempts of 30 s.
    public var callTimeout: Duration

    /// Standard mode's numbers: 3 attempts, 20 s cap; and 60 s for a whole call.
    public init(maxAttempts: Int = 3, maxBackoff: Duration = .seconds(20), callTimeout: Duration = .seconds(60)) {
        self.maxAttempts = max(1, maxAttempts)
        self.maxBackoff = maxBackoff
        self.callTimeout = callTimeout
    }

    /// Error codes the SDKs treat as throttling.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// Error codes the SDKs treat as transient.
    public static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"]
    /// HTTP statuses the SDKs treat as transient.
    public static let transientStatuses: Set<Int> = [500, 502, 503, 504]

    /// Whether a service error may succeed when tried again.
    public static func isRetryable(_ error: AWSServiceError) -> Bool {
        throttlingCodes.contains(error.code) || transientCodes.contains(error.code) || transientStatuses.contains(error.status)
    }

    /// The delay before attempt `attempt + 1` after attempt `attempt` failed:
    /// `random(0, 1) × min(2^(attempt − 1), cap)` seconds.
    public func backoff(after attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let cap = Double(maxBackoff.components.seconds) + Double(maxBackoff.components.attoseconds) / 1e18
        let seconds = random * min(pow(2, Double(attempt - 1)), cap)
        return .milliseconds(Int64(seconds * 1000))
    }
}

/// The retry quota of standard mode: a bucket of 500 tokens shared by a client's calls.
/// A retry takes 5 (10 after a timeout); a call that succeeds gives back what it took,
/// or 1 if it needed no retry. With the bucket empty, failures are not retried.
public actor RetryQuota {
    /// Tokens a full bucket holds.
    public static let capacity = 500
    private var tokens = RetryQuota.capacity

    /// A full bucket.
    public init() {}

    /// Takes the cost of one retry; false when the bucket cannot pay it.
    func acquire(timeout: Bool) -> Int? {
        let cost = timeout ? 10 : 5
        guard tokens >= cost else { return nil }
        tokens -= cost
        return cost
    }

    /// Returns tokens after a success: what its retries took, or 1.
    func release(_ spent: Int) {
        tokens = min(RetryQuota.capacity, tokens + (spent > 0 ? spent : 1))
    }

    /// The tokens left, for tests and diagnostics.
    public var available: Int { tokens }
}

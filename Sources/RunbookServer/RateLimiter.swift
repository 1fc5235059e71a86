import Synchronization

/// A token bucket per source: `rate` events a second, in bursts of up to `rate` (at least one).
final class RateLimiter: Sendable {
    let rate: Double
    private let buckets = Mutex([String: (tokens: Double, at: ContinuousClock.Instant)]())

    init(rate: Double) {
        self.rate = rate
    }

    /// Takes a token for `source`; nil when there was one, else the seconds until there is.
    func take(_ source: String, now: ContinuousClock.Instant = .now) -> Double? {
        let capacity = max(1, rate)
        return buckets.withLock { buckets in
            var bucket = buckets[source] ?? (capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at).seconds * rate)
            bucket.at = now
            defer { buckets[source] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }
}

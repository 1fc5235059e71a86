internal import Foundation

/// A signing time in SigV4's two forms: `20150830T123600Z` and `20150830`.
struct AmzDate: Sendable, Equatable {
    /// The full UTC timestamp, `YYYYMMDD'T'HHMMSS'Z'`.
    let timestamp: String
    /// The UTC day, `YYYYMMDD`, used in the credential scope.
    let day: String

    /// Formats `date` in UTC, dropping fractions of a second, with AWSKit's one time codec.
    init(_ date: Date) throws(AWSError) {
        let interval = date.timeIntervalSince1970.rounded(.down)
        // Years 0000-9999 lie within about ±2.6e11 seconds of 1970; beyond that, refuse before converting.
        guard interval.isFinite, abs(interval) < 4e11 else { throw .invalidDate }
        let (year, month, dayOfMonth, hour, minute, second, _) = AWSWireTime.civil(Int64(interval))
        guard (0...9999).contains(year) else { throw .invalidDate }
        day = String(format: "%04d%02d%02d", year, month, dayOfMonth)
        timestamp = day + String(format: "T%02d%02d%02dZ", hour, minute, second)
    }
}

internal import Foundation

/// A signing time in SigV4's two forms: `20150830T123600Z` and `20150830`.
struct AmzDate: Sendable, Equatable {
    /// The full UTC timestamp, `YYYYMMDD'T'HHMMSS'Z'`.
    let timestamp: String
    /// The UTC day, `YYYYMMDD`, used in the credential scope.
    let day: String

    /// Formats `date` in UTC, dropping fractions of a second.
    ///
    /// Plain arithmetic (days to civil date, after Howard Hinnant), so no formatter or locale is involved.
    init(_ date: Date) throws(AWSError) {
        let interval = date.timeIntervalSince1970.rounded(.down)
        // Years 0000-9999 lie within about ±2.6e11 seconds of 1970; beyond that, refuse before converting.
        guard interval.isFinite, abs(interval) < 4e11 else { throw .invalidDate }
        let seconds = Int64(interval)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400

        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (0...9999).contains(year) else { throw .invalidDate }

        func digits(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        day = digits(year, 4) + digits(month, 2) + digits(dayOfMonth, 2)
        timestamp =
            day + "T" + digits(secondOfDay / 3_600, 2) + digits(secondOfDay % 3_600 / 60, 2)
            + digits(secondOfDay % 60, 2) + "Z"
    }
}

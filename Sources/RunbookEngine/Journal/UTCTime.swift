import Foundation

/// UTC times as the journal and run ids write them. Foundation's format styles cost about a
/// millisecond on first use, a twentieth of a trivial run, so the civil date is computed here
/// (Howard Hinnant's days-to-civil algorithm, exact for the proleptic Gregorian calendar).
enum UTCTime {
    /// `2026-11-26T10:15:00.123Z`: ISO 8601 with milliseconds.
    static func iso8601(_ date: Date = Date()) -> String {
        let t = Parts(date)
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)).\(pad(t.millisecond, 3))Z"
    }

    /// `20261126T101500.123Z`: sorts by time to the millisecond and fits a file name.
    static func compact(_ date: Date = Date()) -> String {
        let t = Parts(date)
        return "\(pad(t.year, 4))\(pad(t.month, 2))\(pad(t.day, 2))T\(pad(t.hour, 2))\(pad(t.minute, 2))\(pad(t.second, 2)).\(pad(t.millisecond, 3))Z"
    }

    /// `2026-11-26T10:15:00Z`: ISO 8601 to the second, for files people read and diff.
    static func iso8601Seconds(_ date: Date) -> String {
        let t = Parts(date)
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))Z"
    }

    /// The time ``iso8601Seconds(_:)`` wrote as `text`, or nil for any other text: a 30th of
    /// February or a 25th hour does not print back the same, so it is refused.
    static func date(iso8601Seconds text: String) -> Date? {
        let bytes = Array(text.utf8)
        let template = Array("0000-00-00T00:00:00Z".utf8)
        guard bytes.count == template.count,
            zip(bytes, template).allSatisfy({ $1 == UInt8(ascii: "0") ? (0x30...0x39).contains($0) : $0 == $1 })
        else { return nil }
        func number(_ range: Range<Int>) -> Int64 { range.reduce(0) { $0 * 10 + Int64(bytes[$1] - 0x30) } }
        let (year, month, day) = (number(0..<4), number(5..<7), number(8..<10))
        // Days from the civil date (Howard Hinnant's days_from_civil), the inverse of ``Parts``.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = shiftedYear / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + number(11..<13) * 3600 + number(14..<16) * 60 + number(17..<19)
        let date = Date(timeIntervalSince1970: Double(seconds))
        return iso8601Seconds(date) == text ? date : nil
    }

    private struct Parts {
        let year, month, day, hour, minute, second, millisecond: Int64

        init(_ date: Date) {
            // The clock is the system's; clamping to 1970...9999 keeps a wild clock from trapping.
            let total = Int64(max(0, min((date.timeIntervalSince1970 * 1000).rounded(.down), 253_402_300_799_999)))
            millisecond = total % 1000
            let seconds = total / 1000
            let days = seconds / 86_400
            let inDay = seconds % 86_400
            (hour, minute, second) = (inDay / 3600, inDay % 3600 / 60, inDay % 60)
            let z = days + 719_468
            let era = z / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let shiftedMonth = (5 * dayOfYear + 2) / 153
            day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
            month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
            year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

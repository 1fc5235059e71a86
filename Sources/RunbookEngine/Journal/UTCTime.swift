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

import Foundation

/// Timestamps as AWS writes and reads them: ISO 8601, RFC 822 (HTTP dates) and epoch seconds, in
/// UTC, without Foundation's date formatters (they load ICU). The one time codec of AWSKit: the
/// protocols, the credential sources' expirations and SigV4's signing time all use it.
enum AWSWireTime {
    /// The format a protocol uses where the model names none.
    static func format(_ seconds: Double, as format: String) -> String {
        switch format {
        case "unixTimestamp": String(Int64(seconds.rounded(.down)))
        case "rfc822": rfc822(seconds)
        default: iso8601(seconds)
        }
    }

    /// `2024-01-02T03:04:05Z`, or `…05.250000Z` with microseconds when there are any, as botocore writes.
    static func iso8601(_ seconds: Double) -> String {
        let whole = seconds.rounded(.down)
        let micros = Int(((seconds - whole) * 1_000_000).rounded())
        let (year, month, day, hour, minute, second, _) = civil(Int64(whole))
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second)
        if micros > 0 { text += String(format: ".%06d", min(micros, 999_999)) }
        return text + "Z"
    }

    /// `Tue, 02 Jan 2024 03:04:05 GMT`.
    static func rfc822(_ seconds: Double) -> String {
        let (year, month, day, hour, minute, second, weekday) = civil(Int64(seconds.rounded(.down)))
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[weekday]), " + String(format: "%02d ", day) + months[month - 1]
            + String(format: " %04d %02d:%02d:%02d GMT", year, hour, minute, second)
    }

    /// Reads a timestamp in any of the three forms: a number of seconds, ISO 8601 (with or without
    /// fraction, `Z`, `+hh:mm`, `+hhmm` or no zone, taken as UTC) or an RFC 822 date.
    static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(trimmed) { return number.isFinite ? number : nil }
        if let value = parseISO8601(trimmed) { return value }
        return parseRFC822(trimmed)
    }

    /// An ISO 8601 time as a `Date` (a credential source's `Expiration`), or nil.
    static func date(iso8601 text: String) -> Date? {
        parseISO8601(text.trimmingCharacters(in: .whitespaces)).map(Date.init(timeIntervalSince1970:))
    }

    /// A date and time read from outside, checked before any arithmetic: answers are untrusted, and
    /// a year of nineteen digits would overflow the day count and trap the process.
    private static func seconds(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Int64? {
        guard (0...9999).contains(year), (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
              (0...59).contains(minute), (0...60).contains(second) else { return nil }
        return daysFromCivil(year, month, day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func parseISO8601(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 19, let year = number(0, 4), bytes[4] == 45, let month = number(5, 2), bytes[7] == 45,
              let day = number(8, 2), bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32, let hour = number(11, 2),
              bytes[13] == 58, let minute = number(14, 2), bytes[16] == 58, let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale = 0.1
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case 90, 122: break
            case 43, 45:
                let sign = bytes[index] == 43 ? 1 : -1
                let rest = String(decoding: bytes[(index + 1)...], as: UTF8.self).replacingOccurrences(of: ":", with: "")
                guard rest.count == 4, let value = Int(rest) else { return nil }
                offset = sign * ((value / 100) * 3600 + (value % 100) * 60)
            default: return nil
            }
        }
        guard let local = seconds(year, month, day, hour, minute, second) else { return nil }
        return Double(local - Int64(offset)) + fraction
    }

    private static func parseRFC822(_ text: String) -> Double? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        let parts = text.split(separator: " ")
        guard parts.count >= 5 else { return nil }
        let start = parts[0].hasSuffix(",") ? 1 : 0
        guard parts.count >= start + 4, let day = Int(parts[start]),
              let month = months.firstIndex(of: parts[start + 1].lowercased()), let year = Int(parts[start + 2])
        else { return nil }
        let clock = parts[start + 3].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, let value = seconds(year, month + 1, day, clock[0], clock[1], clock[2]) else { return nil }
        return Double(value)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The UTC date and time of `seconds` since 1970, with the weekday (0 is Sunday).
    static func civil(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int, Int) {
        var days = seconds / 86400
        var rest = seconds % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day, Int(rest / 3600), Int(rest % 3600 / 60), Int(rest % 60), weekday)
    }
}

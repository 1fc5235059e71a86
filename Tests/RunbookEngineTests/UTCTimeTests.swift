import Foundation
@testable import RunbookEngine
import Testing

/// Journal times and run ids come from gmtime_r, not Foundation's format styles (for start-up
/// time); they must say what Foundation would.
struct UTCTimeTests {
    @Test(arguments: [0.0, 1_764_670_500.125, 1_764_670_500.9375, 951_782_400.5, 4_102_444_799.999, 1_709_164_800.25, 68_169_600.0, 253_402_300_799.0])
    func journalTimesAndRunIdsMatchFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let truncated = Date(timeIntervalSince1970: (seconds * 1000).rounded(.down) / 1000)
        #expect(UTCTime.iso8601(date) == Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(truncated))
        let compact = Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)\(month: .twoDigits)\(day: .twoDigits)T\(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased))\(minute: .twoDigits)\(second: .twoDigits)Z",
            timeZone: TimeZone(secondsFromGMT: 0) ?? .current, calendar: Calendar(identifier: .gregorian))
        #expect(UTCTime.compact(date) == date.formatted(compact).dropLast() + "." + UTCTime.iso8601(date).suffix(4))
    }
}

import Foundation
@testable import AWSKit
import Testing

/// AWSKit's one time codec: the protocols' timestamps, credential expirations and SigV4's signing time.
struct AWSWireTimeTests {
    @Test(arguments: [
        ("2024-01-02T03:04:05Z", 1_704_164_645.0),
        ("2024-01-02T03:04:05.250Z", 1_704_164_645.25),
        ("2024-01-02T05:04:05+02:00", 1_704_164_645.0),
        ("Tue, 02 Jan 2024 03:04:05 GMT", 1_704_164_645.0),
        ("1704164645", 1_704_164_645.0),
    ])
    func eachFormReadsTheSameInstant(text: String, seconds: Double) {
        #expect(AWSWireTime.parse(text) == seconds)
    }

    /// An answer's HTTP date with a year of nineteen digits overflowed the day count and trapped the process.
    @Test(arguments: [
        "Tue, 02 Jan 9223372036854775807 03:04:05 GMT", "Tue, 99999999999999 Jan 2024 03:04:05 GMT",
        "Tue, 02 Jan 2024 9223372036854775807:04:05 GMT", "2024-13-02T03:04:05Z", "2024-01-32T03:04:05Z",
        "2024-01-02T24:04:05Z", "2024-01-02T03:60:05Z", "1e400", "nan", "inf",
    ])
    func aDateOutOfRangeIsNoTimestampNotATrap(text: String) {
        #expect(AWSWireTime.parse(text) == nil)
    }

    @Test func formatsAndCredentialDatesRoundTrip() throws {
        #expect(AWSWireTime.iso8601(1_704_164_645) == "2024-01-02T03:04:05Z")
        #expect(AWSWireTime.rfc822(1_704_164_645) == "Tue, 02 Jan 2024 03:04:05 GMT")
        #expect(AWSWireTime.date(iso8601: " 2099-01-01T00:00:00Z ") == Date(timeIntervalSince1970: 4_070_908_800))
        #expect(AWSWireTime.date(iso8601: "soon") == nil)
        let signing = try AmzDate(Date(timeIntervalSince1970: 1_440_938_160))
        #expect(signing.timestamp == "20150830T123600Z")
        #expect(signing.day == "20150830")
    }
}

import AWSKit
import Foundation
@testable import RunbookEngine
import Testing

/// `ReceiveMessage` answers are untrusted: what SQSMessage takes from them, and what it refuses.
struct SQSMessageTests {
    func message(id: String? = "m-1", handle: String? = "rh-1", body: String? = "{}", count: String? = "1") -> AWSValue {
        var fields: [String: AWSValue] = [:]
        fields["MessageId"] = id.map(AWSValue.string)
        fields["ReceiptHandle"] = handle.map(AWSValue.string)
        fields["Body"] = body.map(AWSValue.string)
        fields["Attributes"] = count.map { .map(["ApproximateReceiveCount": .string($0)]) }
        return .map(fields)
    }

    func read(_ messages: [AWSValue], limit: Int = 10) throws(RunbookError) -> [SQSMessage] {
        try SQSMessage.messages(in: .map(["Messages": .list(messages)]), limit: limit, queue: "q")
    }

    @Test func aMessageKeepsItsIdHandleBodyAndReceiveCount() throws {
        #expect(try read([message(count: "3")]) == [SQSMessage(id: "m-1", receiptHandle: "rh-1", body: "{}", receiveCount: 3)])
        #expect(try SQSMessage.messages(in: .map([:]), limit: 1, queue: "q").isEmpty)
    }

    @Test func aReceiveCountThatIsNoCountIsLeftOut() throws {
        for count in [nil, "", "0", "-1", "two", "99999999999999999999", "2147483648"] {
            #expect(try read([message(count: count)]).first?.receiveCount == nil, "\(count ?? "nil")")
        }
        #expect(try read([message(count: "2147483647")]).first?.receiveCount == 2_147_483_647)
    }

    @Test func aMissingBodyIsEmptyAndLeftToTheParserToRefuse() throws {
        #expect(try read([message(body: nil)]).first?.body == "")
    }

    @Test func answersNoQueueGivesAreRefused() {
        #expect(throws: RunbookError.self) { try read([message(), message()], limit: 1) }
        #expect(throws: RunbookError.self) { try read([message(id: nil)]) }
        #expect(throws: RunbookError.self) { try read([message(handle: nil)]) }
        #expect(throws: RunbookError.self) { try read([message(handle: "")]) }
        #expect(throws: RunbookError.self) { try read([message(handle: String(repeating: "h", count: 1025))]) }
        #expect(throws: RunbookError.self) { try read([message(id: String(repeating: "i", count: 1025))]) }
    }

    @Test func queueURLsAreCheckedBeforeAnyCall() throws {
        let settings = AWSSettings(region: "us-east-1", environment: [:])
        for url in ["", "ftp://example.com/1/q", "https://sqs.us-east-1.amazonaws.com", "https://sqs.us-east-1.amazonaws.com/q",
                    "https:///1/q", "https://h/1/q?x=1", "https://h/" + String(repeating: "q", count: 2100)] {
            #expect(throws: RunbookError.self, "\(url)") { try SQSQueue(url: url, aws: settings) }
        }
        #expect(try SQSQueue(url: "sqs://sqs.us-east-1.amazonaws.com/123456789012/alarms", aws: settings).url
            == "https://sqs.us-east-1.amazonaws.com/123456789012/alarms")
    }

    @Test func bodiesSQSCannotCarryAreRefusedBeforeAnyCall() async throws {
        let queue = try SQSQueue(url: "https://sqs.us-east-1.amazonaws.com/123456789012/alarms", aws: AWSSettings(region: "us-east-1", environment: [:]))
        for body in [[0x41, 0x00], [0x1B], [0xC3, 0x28], Array("\u{FFFF}".utf8), [UInt8](repeating: 0x41, count: SQSQueue.maximumBody + 1)] {
            await #expect(throws: RunbookError.self) { try await queue.send(body: body) }
        }
        #expect(SQSQueue.carries("\t") && SQSQueue.carries("\r") && SQSQueue.carries("é") && SQSQueue.carries("\u{10FFFF}"))
    }
}

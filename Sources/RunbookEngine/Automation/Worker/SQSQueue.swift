import AWSKit
import Foundation
public import HTTPClient

/// One SQS queue, called with AWSKit's model-driven client and the AWS CLI's settings: what a
/// worker receives alarm events from, and what `runbook serve --forward` sends them to.
public struct SQSQueue: Sendable {
    /// The queue's URL (`https://sqs.us-east-1.amazonaws.com/123456789012/alarms`).
    public let url: String
    let client: AWSServiceClient

    /// The largest body ``send(body:)`` sends: SQS's own limit (1 MiB), which is also the most
    /// ``AlarmEvents/parse(_:)`` reads.
    public static let maximumBody = AlarmEvents.maximumBytes
    /// SQS's bounds on a visibility timeout, in seconds (12 hours).
    public static let visibilityRange = 0...43_200
    /// SQS's bounds on a long poll's wait, in seconds.
    public static let waitRange = 0...20
    /// SQS's bounds on the messages one `ReceiveMessage` returns.
    public static let batchRange = 1...10

    /// The queue at `url`, reached with `settings` (`--region`, `--profile`, `--endpoint-url` and
    /// the environment, resolved and checked as the engine's own AWS calls are). `url` is the
    /// queue's `https://` URL, `http://` for a local endpoint, or `sqs://HOST/ACCOUNT/NAME` for
    /// `https://HOST/ACCOUNT/NAME`.
    ///
    /// - Throws: ``RunbookError`` when `url` is not a queue URL or a setting is wrong.
    public init(url: String, aws settings: AWSSettings, transport: (any HTTPTransport)? = nil) throws(RunbookError) {
        let url = url.hasPrefix("sqs://") ? "https://" + url.dropFirst("sqs://".count) : url
        guard url.utf8.count <= 2048, let parsed = URL(string: url), ["https", "http"].contains(parsed.scheme ?? ""),
              parsed.host?.isEmpty == false, parsed.path.split(separator: "/").count >= 2, parsed.query == nil
        else {
            throw RunbookError(.invalid, "\(String(url.prefix(300)).debugDescription) is not an SQS queue URL",
                               hint: "give the queue's URL, such as https://sqs.us-east-1.amazonaws.com/123456789012/alarms")
        }
        let resolved = try ResolvedAWS(settings, services: [], transport: transport)
        do {
            client = try resolved.client(model: try AWSServiceModel.load("sqs"))
        } catch {
            throw RunbookError(.invalid, "the queue \(url): \(error)")
        }
        self.url = url
    }

    /// How many receipts the queue's redrive policy allows before its dead-letter queue takes a
    /// message; nil without a policy. Asking also checks that the queue exists and may be read.
    public func maxReceiveCount() async throws -> Int? {
        let answer = try await client.send(operation: "GetQueueAttributes", input: .map([
            "QueueUrl": .string(url), "AttributeNames": .list([.string("RedrivePolicy")]),
        ]))
        guard let text = answer["Attributes"]?["RedrivePolicy"]?.stringValue, text.utf8.count <= 4096,
              let policy = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        else { return nil }
        // The count is a number or a string, as whoever set the policy wrote it.
        let count = (policy["maxReceiveCount"] as? Int) ?? (policy["maxReceiveCount"] as? String).flatMap { Int($0) }
        return count.flatMap { (1...1000).contains($0) ? $0 : nil }
    }

    /// Long-polls for up to `maxMessages` messages for `wait` seconds, each then hidden from other
    /// receivers for `visibility` seconds, with its receive count.
    public func receive(maxMessages: Int, wait: Int, visibility: Int) async throws -> [SQSMessage] {
        guard Self.batchRange.contains(maxMessages), Self.waitRange.contains(wait), Self.visibilityRange.contains(visibility) else {
            throw RunbookError(.invalid, "ReceiveMessage takes 1 to 10 messages, a wait of 0 to 20 s and a visibility of 0 to 43200 s")
        }
        let count: AWSValue = .list([.string("ApproximateReceiveCount")])
        let answer = try await client.send(operation: "ReceiveMessage", input: .map([
            "QueueUrl": .string(url), "MaxNumberOfMessages": .integer(Int64(maxMessages)), "WaitTimeSeconds": .integer(Int64(wait)),
            "VisibilityTimeout": .integer(Int64(visibility)),
            // AttributeNames is deprecated for MessageSystemAttributeNames; endpoints that predate it read only the old name.
            "AttributeNames": count, "MessageSystemAttributeNames": count,
        ]), timeout: .seconds(wait + 30))
        return try SQSMessage.messages(in: answer, limit: maxMessages, queue: url)
    }

    /// Hides `message` from other receivers for `seconds` more, counted from now.
    public func extendVisibility(of message: SQSMessage, seconds: Int) async throws {
        _ = try await client.send(operation: "ChangeMessageVisibility", input: .map([
            "QueueUrl": .string(url), "ReceiptHandle": .string(message.receiptHandle), "VisibilityTimeout": .integer(Int64(seconds)),
        ]))
    }

    /// Deletes `message` from the queue: it is never delivered again.
    public func delete(_ message: SQSMessage) async throws {
        _ = try await client.send(operation: "DeleteMessage", input: .map([
            "QueueUrl": .string(url), "ReceiptHandle": .string(message.receiptHandle),
        ]))
    }

    /// Sends `body` as it is, an event as it was received, and returns SQS's id for the message.
    ///
    /// - Throws: ``RunbookError`` when `body` is longer than ``maximumBody``, not UTF-8, or holds
    ///   a character SQS refuses (controls other than tab, newline and carriage return);
    ///   ``AWSKit/AWSServiceError`` when SQS refuses.
    @discardableResult
    public func send(body: some Collection<UInt8>) async throws -> String {
        guard body.count <= Self.maximumBody else {
            throw RunbookError(.invalid, "an event of \(body.count) bytes is more than the \(Self.maximumBody) an SQS message takes")
        }
        guard let text = String(validating: body, as: UTF8.self), text.unicodeScalars.allSatisfy(Self.carries) else {
            throw RunbookError(.invalid, "the event is not text an SQS message can carry: UTF-8 without control characters other than tab and newlines")
        }
        let answer = try await client.send(operation: "SendMessage", input: .map(["QueueUrl": .string(url), "MessageBody": .string(text)]))
        return answer["MessageId"]?.stringValue ?? ""
    }

    /// The characters SQS takes in a body: tab, newline, carriage return, and U+0020 up, but U+FFFE and U+FFFF.
    static func carries(_ scalar: Unicode.Scalar) -> Bool {
        [0x9, 0xA, 0xD].contains(scalar.value) || (scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF)
    }
}

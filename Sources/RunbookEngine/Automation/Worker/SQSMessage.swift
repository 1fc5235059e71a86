import AWSKit

/// One message of a `ReceiveMessage` answer, read as untrusted input: what a worker needs to
/// handle it, extend its visibility and delete it.
public struct SQSMessage: Sendable, Equatable {
    /// SQS's id of the message, the same at every delivery.
    public let id: String
    /// The handle of this delivery, which `ChangeMessageVisibility` and `DeleteMessage` take.
    public let receiptHandle: String
    /// The body as it was sent; it may be empty or anything at all.
    public let body: String
    /// How many times SQS has delivered the message, this delivery included
    /// (`ApproximateReceiveCount`); nil when the answer lacks it or it is not a count.
    public let receiveCount: Int?

    /// SQS's limits: receipt handles and message ids are far shorter; an answer past them is not SQS's.
    static let maximumReceiptHandle = 1024
    static let maximumID = 1024

    public init(id: String, receiptHandle: String, body: String, receiveCount: Int?) {
        self.id = id
        self.receiptHandle = receiptHandle
        self.body = body
        self.receiveCount = receiveCount
    }

    /// The messages of a `ReceiveMessage` answer, at most `limit` of them.
    ///
    /// - Throws: ``RunbookError`` when the answer holds more messages than asked for, or a
    ///   message without an id or receipt handle, or with one too long: such a message cannot be
    ///   deleted, and an answer that has one is not SQS's.
    static func messages(in answer: AWSValue, limit: Int, queue: String) throws(RunbookError) -> [SQSMessage] {
        let items = answer["Messages"]?.listValue ?? []
        guard items.count <= limit else {
            throw RunbookError(.io, "\(queue) answered ReceiveMessage with \(items.count) messages, more than the \(limit) asked for")
        }
        return try items.map { item throws(RunbookError) in
            guard let id = item["MessageId"]?.stringValue, (1...maximumID).contains(id.utf8.count),
                  let handle = item["ReceiptHandle"]?.stringValue, (1...maximumReceiptHandle).contains(handle.utf8.count)
            else {
                throw RunbookError(.io, "\(queue) answered ReceiveMessage with a message without a usable MessageId and ReceiptHandle")
            }
            let count = item["Attributes"]?["ApproximateReceiveCount"]?.stringValue.flatMap { Int($0) }.flatMap { (1...Int(Int32.max)).contains($0) ? $0 : nil }
            return SQSMessage(id: id, receiptHandle: handle, body: item["Body"]?.stringValue ?? "", receiveCount: count)
        }
    }
}

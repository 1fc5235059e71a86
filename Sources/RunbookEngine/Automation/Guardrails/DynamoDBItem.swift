import AWSKit
import Foundation

/// One item's key in the guardrail table.
struct DynamoDBKey: Sendable, Hashable, CustomStringConvertible {
    let pk: String
    let sk: String

    /// The key as `Key` members take it.
    var value: AWSValue { .map(["pk": .dynamoString(pk), "sk": .dynamoString(sk)]) }

    var description: String { "\(pk) / \(sk)" }
}

/// An item as DynamoDB answered it, read with the checks an untrusted answer needs: a missing
/// attribute, a number that is not a whole number or is out of its range is an error naming the
/// item, never a trap or a default.
struct DynamoDBItem {
    let key: DynamoDBKey
    let attributes: [String: AWSValue]

    /// The item `value` holds (an `Item` or `Attributes` member), nil when it holds none.
    init?(_ value: AWSValue?, key: DynamoDBKey) {
        guard let fields = value?.fields, !fields.isEmpty else { return nil }
        self.key = key
        attributes = Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func fail(_ reason: String) -> RunbookError {
        RunbookError(.io, "the guardrail table's item \(key) is not what this store writes: \(reason)",
                     hint: "the table must be used by runbook's guardrail stores only")
    }

    func string(_ name: String) throws(RunbookError) -> String {
        guard let text = try optionalString(name) else { throw fail("it has no \(name)") }
        return text
    }

    func optionalString(_ name: String) throws(RunbookError) -> String? {
        guard let value = attributes[name] else { return nil }
        guard let text = value["S"]?.stringValue else { throw fail("\(name) is not a string") }
        return text
    }

    /// A number attribute that must be a whole number within `range`.
    func integer(_ name: String, in range: ClosedRange<Int64>) throws(RunbookError) -> Int64 {
        guard let text = attributes[name]?["N"]?.stringValue else { throw fail("it has no number \(name)") }
        guard let number = Int64(text), range.contains(number) else {
            throw fail("\(name) is \(text.prefix(40)), not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A time in milliseconds since 1970.
    func milliseconds(_ name: String) throws(RunbookError) -> Int64 {
        try integer(name, in: DynamoDBGuardrailStore.millisecondRange)
    }

    func date(_ name: String) throws(RunbookError) -> Date {
        DynamoDBGuardrailStore.date(try milliseconds(name))
    }

    /// A count, such as a lease's mutations.
    func count(_ name: String) throws(RunbookError) -> Int {
        Int(try integer(name, in: 0...Int64(Int32.max)))
    }
}

extension AWSValue {
    /// A string attribute value (`{"S": text}`).
    static func dynamoString(_ text: String) -> AWSValue { .map(["S": .string(text)]) }
    /// A number attribute value (`{"N": "123"}`); DynamoDB takes numbers as decimal text.
    static func dynamoNumber(_ number: Int64) -> AWSValue { .map(["N": .string(String(number))]) }
}

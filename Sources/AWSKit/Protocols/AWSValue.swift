/// A value of an AWS operation's input or output, as the model-driven protocols read and write it.
///
/// AWSKit owns it so it knows nothing of Lua; the engine converts its values to and from this.
/// Input structures may be given as ``map(_:)`` or ``structure(_:)``, keyed by the model's member
/// names (as boto3 takes them). Output structures are ``structure(_:)`` in the model's member order.
///
/// ```swift
/// let input: AWSValue = .map(["VpcIds": .list([.string("vpc-1")])])
/// let output = try await ec2.send(operation: "DescribeVpcs", input: input)
/// output["vpcSet"]?[0]?["vpcId"]   // .string("vpc-1")
/// ```
public enum AWSValue: Sendable, Equatable, CustomStringConvertible {
    /// No value (a JSON `null`); members that are null are left out of requests.
    case null
    /// A boolean.
    case bool(Bool)
    /// An integer or long.
    case integer(Int64)
    /// A float or double.
    case double(Double)
    /// A string.
    case string(String)
    /// Bytes: base64 in JSON and XML, raw as a payload.
    case blob([UInt8])
    /// A point in time, in seconds since 1970 UTC.
    case timestamp(Double)
    /// A list.
    case list([AWSValue])
    /// A map with string keys.
    case map([String: AWSValue])
    /// A structure's members in order.
    case structure([Field])

    /// One member of a structure.
    public struct Field: Sendable, Equatable {
        /// The member's name.
        public var name: String
        /// Its value.
        public var value: AWSValue

        /// A member `name` with `value`.
        public init(_ name: String, _ value: AWSValue) {
            self.name = name
            self.value = value
        }
    }

    /// The member or map entry `key`, or nil.
    public subscript(key: String) -> AWSValue? {
        switch self {
        case .map(let entries): entries[key]
        case .structure(let fields): fields.first { $0.name == key }?.value
        default: nil
        }
    }

    /// The list element at `index`, or nil.
    public subscript(index: Int) -> AWSValue? {
        guard case .list(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The items, when this is a list.
    public var listValue: [AWSValue]? {
        if case .list(let items) = self { return items }
        return nil
    }

    /// The members or entries as name-value pairs, when this is a structure or map
    /// (a map's in key order).
    public var fields: [Field]? {
        switch self {
        case .structure(let fields): fields
        case .map(let entries): entries.keys.sorted().map { Field($0, entries[$0] ?? .null) }
        default: nil
        }
    }

    /// A compact, JSON-like rendering for logs and test failures.
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): String(value)
        case .integer(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value.debugDescription
        case .blob(let bytes): "<\(bytes.count) bytes>"
        case .timestamp(let seconds): "@\(seconds)"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map, .structure:
            "{" + (fields ?? []).map { "\($0.name): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

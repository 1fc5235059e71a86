public import Foundation

/// Builds the exact HTTP request of a model operation, as botocore's serializers do
/// (botocore/serialize.py: one serializer per protocol), without any I/O.
///
/// The input is keyed by the model's member names, as boto3 takes them. Members set to
/// ``AWSValue/null`` are left out; a missing `idempotencyToken` member gets a fresh UUID.
///
/// ```swift
/// let sqs = try AWSServiceModel.load("sqs")
/// let request = try AWSModelRequest.build(sqs, operation: "CreateQueue", input: .map(["QueueName": .string("q")]))
/// request.headers   // X-Amz-Target: AmazonSQS.CreateQueue, Content-Type: application/x-amz-json-1.0, ...
/// ```
public enum AWSModelRequest {
    /// The protocol botocore 1.43 speaks to a service: the first of its priority list the model
    /// offers (CloudWatch lists CBOR, json and query, and gets json), else the model's `protocol`.
    public static func wireProtocol(of model: AWSServiceModel) -> String {
        let priority = ["json", "rest-json", "rest-xml", "query", "ec2"]
        if let offered = model.metadata.protocols, let chosen = priority.first(where: offered.contains) {
            return chosen
        }
        return model.metadata.protocol
    }

    /// The request for `operation` with `input`.
    ///
    /// - Parameters:
    ///   - model: the service's model.
    ///   - operation: the operation's model name (`DescribeVpcs`).
    ///   - input: a ``AWSValue/map(_:)`` or ``AWSValue/structure(_:)`` keyed by member names.
    ///   - endpoint: where the request goes; for S3 an AWS endpoint means virtual-hosted style
    ///     (the bucket in the host), any other path style. Nil is taken as an AWS endpoint.
    /// - Throws: ``AWSError/invalidInput(operation:reason:)`` when the input does not fit the model.
    public static func build(_ model: AWSServiceModel, operation: String, input: AWSValue = .map([:]),
                             endpoint: URL? = nil) throws -> AWSOperationRequest {
        let name = "\(model.service).\(operation)"
        guard let op = model.operations[operation] else {
            throw AWSError.invalidInput(operation: name, reason: "the \(model.service) model has no operation \(operation)")
        }
        let builder = Builder(model: model, operation: op, name: name)
        let inputShape = try op.input.map { try model.shape($0.shape) }
        let members = try builder.members(of: input, shape: inputShape)
        var request = AWSOperationRequest(service: model.service, operation: operation, method: op.http.method, path: "/")
        switch wireProtocol(of: model) {
        case "json":
            request.headers = [
                .init(name: "X-Amz-Target", value: "\(model.metadata.targetPrefix ?? "").\(operation)"),
                .init(name: "Content-Type", value: "application/x-amz-json-\(model.metadata.jsonVersion ?? "1.0")"),
            ]
            if model.metadata.awsQueryCompatible != nil {
                request.headers.append(.init(name: "x-amzn-query-mode", value: "true"))
            }
            var json = JSONWriter()
            try builder.writeJSONStructure(members, to: &json)
            request.body = json.bytes
        case "query", "ec2":
            let ec2 = wireProtocol(of: model) == "ec2"
            var form: [(String, String)] = [("Action", operation), ("Version", model.metadata.apiVersion)]
            for (ref, value) in members {
                try builder.writeQuery(value, ref: ref, prefix: try builder.queryKey(ref, ec2: ec2), ec2: ec2, to: &form)
            }
            request.headers = [.init(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")]
            request.body = Array(form.map { PercentEncoding.encode(Array($0.0.utf8)) + "=" + PercentEncoding.encode(Array($0.1.utf8)) }
                .joined(separator: "&").utf8)
        case "rest-json", "rest-xml":
            try builder.buildRest(members, inputShape: inputShape, restXML: wireProtocol(of: model) == "rest-xml",
                                  endpoint: endpoint, into: &request)
        default:
            throw AWSError.invalidInput(operation: name, reason: "protocol \(model.metadata.protocol) is not supported")
        }
        return request
    }

    /// Whether `url` is an AWS endpoint (S3 then puts the bucket in the host).
    static func isAWSEndpoint(_ url: URL?) -> Bool {
        guard let host = url?.host?.lowercased() else { return true }
        return host.hasSuffix(".amazonaws.com") || host.hasSuffix(".amazonaws.com.cn")
    }
}

/// The serialisation walk, shared by the protocols.
struct Builder {
    let model: AWSServiceModel
    let operation: AWSOperationModel
    let name: String

    func fail(_ reason: String) -> AWSError { AWSError.invalidInput(operation: name, reason: reason) }

    /// The members of `value` that are set, in the model's order, each with its reference.
    func members(of value: AWSValue, shape: AWSShape?, top: Bool = true) throws -> [(AWSShapeRef, AWSValue)] {
        guard let shape else {
            if let fields = value.fields, !fields.isEmpty { throw fail("the operation takes no input") }
            return []
        }
        guard let given = value.fields else { throw fail("a structure must be a table of members, not \(value)") }
        let refs = shape.members ?? []
        for field in given where !refs.contains(where: { $0.name == field.name }) {
            throw fail("unknown member \(field.name); expected one of " + refs.compactMap(\.name).joined(separator: ", "))
        }
        var out: [(AWSShapeRef, AWSValue)] = []
        for ref in refs {
            if let field = given.first(where: { $0.name == ref.name }), field.value != .null {
                out.append((ref, field.value))
            } else if top, ref.idempotencyToken == true {
                out.append((ref, .string(UUID().uuidString.lowercased())))
            }
        }
        return out
    }

    // MARK: scalars

    func text(_ value: AWSValue, _ shape: AWSShape, timestampFormat: String, member: String) throws -> String {
        switch (shape.type, value) {
        case (.boolean, .bool(let flag)): return flag ? "true" : "false"
        case (.timestamp, _): return try timestamp(value, format: timestampFormat, member: member)
        case (.blob, .blob(let bytes)): return Data(bytes).base64EncodedString()
        case (.blob, .string(let text)): return Data(text.utf8).base64EncodedString()
        case (.float, .double(let number)), (.double, .double(let number)): return pythonFloat(number)
        case (.float, .integer(let number)), (.double, .integer(let number)): return pythonFloat(Double(number))
        case (.integer, .integer(let number)), (.long, .integer(let number)): return String(number)
        case (.integer, .double(let number)), (.long, .double(let number)):
            guard number.rounded() == number, let exact = Int64(exactly: number) else {
                throw fail("member \(member) takes an integer")
            }
            return String(exact)
        case (.string, .string(let text)): return text
        case (.string, .integer(let number)): return String(number)
        case (.string, .double(let number)): return pythonFloat(number)
        default: throw fail("member \(member) takes a \(shape.type.rawValue), not \(value)")
        }
    }

    func timestamp(_ value: AWSValue, format: String, member: String) throws -> String {
        let seconds: Double
        switch value {
        case .timestamp(let given), .double(let given): seconds = given
        case .integer(let given): seconds = Double(given)
        case .string(let text):
            guard let parsed = AWSWireTime.parse(text) else { throw fail("member \(member) is not a timestamp") }
            seconds = parsed
        default: throw fail("member \(member) takes a timestamp, not \(value)")
        }
        // The formats convert to whole seconds and civil dates: a value past them would trap.
        guard Self.timestampRange.contains(seconds) else {
            throw fail("member \(member) is not a time from year 1 to 9999 in epoch seconds, got \(seconds)")
        }
        return AWSWireTime.format(seconds, as: format)
    }

    /// Epoch seconds of 0001-01-01T00:00:00Z through 9999-12-31T23:59:59Z, the years ISO 8601 writes with four digits.
    static let timestampRange: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// Python's `str(float)`: `80.0`, `0.5`.
    func pythonFloat(_ number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number > 0 ? "Infinity" : "-Infinity" }
        return "\(number)"
    }

    func timestampFormat(_ ref: AWSShapeRef, _ shape: AWSShape, default fallback: String) -> String {
        ref.timestampFormat ?? shape.timestampFormat ?? fallback
    }

    // MARK: json

    func writeJSONStructure(_ members: [(AWSShapeRef, AWSValue)], to json: inout JSONWriter) throws {
        json.open("{")
        for (ref, value) in members {
            json.key(ref.locationName ?? ref.name ?? "")
            try writeJSON(value, ref: ref, to: &json)
        }
        json.close("}")
    }

    func writeJSON(_ value: AWSValue, ref: AWSShapeRef, to json: inout JSONWriter) throws {
        let shape = try model.shape(ref.shape)
        let member = ref.name ?? ref.shape
        switch shape.type {
        case .structure:
            try writeJSONStructure(members(of: value, shape: shape, top: false), to: &json)
        case .list:
            guard let items = value.listValue, let element = shape.member else { throw fail("member \(member) takes a list") }
            json.open("[")
            for item in items { json.comma(); try writeJSON(item, ref: element, to: &json) }
            json.close("]")
        case .map:
            guard let entries = value.fields, let valueRef = shape.value else { throw fail("member \(member) takes a map") }
            json.open("{")
            for entry in entries { json.key(entry.name); try writeJSON(entry.value, ref: valueRef, to: &json) }
            json.close("}")
        case .boolean:
            guard case .bool(let flag) = value else { throw fail("member \(member) takes a boolean") }
            json.raw(flag ? "true" : "false")
        case .integer, .long, .float, .double:
            json.raw(try text(value, shape, timestampFormat: "", member: member))
        case .timestamp:
            let format = timestampFormat(ref, shape, default: "unixTimestamp")
            let written = try timestamp(value, format: format, member: member)
            if format == "unixTimestamp" { json.raw(written) } else { json.string(written) }
        case .blob, .string:
            json.string(try text(value, shape, timestampFormat: "", member: member))
        }
    }

    // MARK: query and ec2

    /// The ec2 protocol's name for a member: `queryName`, else `locationName` capitalised.
    func ec2Name(_ ref: AWSShapeRef, shape: AWSShape) -> String? {
        if let query = ref.queryName { return query }
        if let location = ref.locationName ?? shape.locationName, let first = location.first {
            return first.uppercased() + location.dropFirst()
        }
        return nil
    }

    /// A structure member's key in a query or ec2 form.
    func queryKey(_ ref: AWSShapeRef, ec2: Bool) throws -> String {
        let shape = try model.shape(ref.shape)
        if ec2 { return ec2Name(ref, shape: shape) ?? ref.name ?? "" }
        return ref.locationName ?? shape.locationName ?? ref.name ?? ""
    }

    func writeQuery(_ value: AWSValue, ref: AWSShapeRef, prefix: String, ec2: Bool, to form: inout [(String, String)]) throws {
        let shape = try model.shape(ref.shape)
        let member = ref.name ?? ref.shape
        switch shape.type {
        case .structure:
            for (child, childValue) in try members(of: value, shape: shape, top: false) {
                let key = try queryKey(child, ec2: ec2)
                try writeQuery(childValue, ref: child, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", ec2: ec2, to: &form)
            }
        case .list:
            guard let items = value.listValue, let element = shape.member else { throw fail("member \(member) takes a list") }
            let elementShape = try model.shape(element.shape)
            var listPrefix: String
            if ec2 {
                listPrefix = prefix
            } else if items.isEmpty {
                form.append((prefix, ""))
                return
            } else if ref.flattened == true || shape.flattened == true {
                listPrefix = prefix
                if let elementName = element.locationName ?? elementShape.locationName {
                    listPrefix = (prefix.split(separator: ".").dropLast().map(String.init) + [elementName]).joined(separator: ".")
                }
            } else {
                listPrefix = "\(prefix).\(element.locationName ?? elementShape.locationName ?? "member")"
            }
            for (index, item) in items.enumerated() {
                try writeQuery(item, ref: element, prefix: "\(listPrefix).\(index + 1)", ec2: ec2, to: &form)
            }
        case .map:
            guard let entries = value.fields, let keyRef = shape.key, let valueRef = shape.value else {
                throw fail("member \(member) takes a map")
            }
            let full = (ref.flattened == true || shape.flattened == true) ? prefix : "\(prefix).entry"
            let keyName = keyRef.locationName ?? "key"
            let valueName = valueRef.locationName ?? "value"
            for (index, entry) in entries.enumerated() {
                form.append(("\(full).\(index + 1).\(keyName)", entry.name))
                try writeQuery(entry.value, ref: valueRef, prefix: "\(full).\(index + 1).\(valueName)", ec2: ec2, to: &form)
            }
        default:
            form.append((prefix, try text(value, shape, timestampFormat: timestampFormat(ref, shape, default: "iso8601"), member: member)))
        }
    }
}

/// A minimal JSON writer: objects, arrays, strings and raw numbers, commas placed for you.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var first = [true]

    mutating func open(_ bracket: Character) {
        bytes.append(contentsOf: Array(String(bracket).utf8))
        first.append(true)
    }

    mutating func close(_ bracket: Character) {
        bytes.append(contentsOf: Array(String(bracket).utf8))
        first.removeLast()
    }

    /// Writes a comma unless this is the container's first item.
    mutating func comma() {
        if first[first.count - 1] { first[first.count - 1] = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func key(_ name: String) {
        comma()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func raw(_ text: String) { bytes.append(contentsOf: Array(text.utf8)) }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: Array(#"\""#.utf8))
            case UInt8(ascii: "\\"): bytes.append(contentsOf: Array(#"\\"#.utf8))
            case 0x0A: bytes.append(contentsOf: Array(#"\n"#.utf8))
            case 0x0D: bytes.append(contentsOf: Array(#"\r"#.utf8))
            case 0x09: bytes.append(contentsOf: Array(#"\t"#.utf8))
            case 0..<0x20: bytes.append(contentsOf: Array(String(format: "\\u%04x", Int(byte)).utf8))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

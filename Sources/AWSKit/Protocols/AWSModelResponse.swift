import Foundation

/// Decodes a successful answer of a model operation into an ``AWSValue`` with the output shape,
/// as botocore's parsers do (botocore/parsers.py: one parser per protocol).
///
/// Structures keep the model's member order. Their keys are the wire names by default (the
/// JSON key or XML element: `vpcSet` for ec2's `Vpcs`); ``Keys/member`` gives boto3's member
/// names instead. Timestamps become epoch seconds, blobs bytes; header members are read from
/// the headers and the status member from the status.
public enum AWSModelResponse {
    /// Which names an output structure's keys take.
    public enum Keys: Sendable {
        /// The name on the wire (`locationName`, else the member name).
        case wire
        /// The model's member name, as boto3 returns it.
        case member
    }

    /// The output of `operation` from `response`.
    ///
    /// - Throws: ``AWSError/invalidResponse(operation:reason:)`` when the body is not the
    ///   protocol's JSON or XML.
    public static func decode(_ model: AWSServiceModel, operation: String, response: AWSResponse,
                              keys: Keys = .wire) throws -> AWSValue {
        let name = "\(model.service).\(operation)"
        guard let op = model.operations[operation] else {
            throw AWSError.invalidResponse(operation: name, reason: "no operation \(operation)")
        }
        guard let outputRef = op.output else { return .structure([]) }
        let decoder = Decoder(model: model, keys: keys, name: name)
        let shape = try model.shape(outputRef.shape)
        switch AWSModelRequest.wireProtocol(of: model) {
        case "json":
            return try decoder.json(decoder.parseJSON(response.body), ref: outputRef)
        case "query", "ec2":
            let root = try decoder.parseXML(response.body)
            let result = outputRef.resultWrapper.flatMap { root.child($0) } ?? root
            return try decoder.xml(result, ref: outputRef)
        default:
            var fields: [AWSValue.Field] = []
            let restXML = AWSModelRequest.wireProtocol(of: model) == "rest-xml"
            let members = shape.members ?? []
            var bodyMembers: [AWSShapeRef] = []
            for ref in members {
                let memberShape = try model.shape(ref.shape)
                let key = ref.name ?? ""  // header and status members have no wire name of their own
                switch ref.location {
                case .header:
                    guard let text = header(response, ref.locationName ?? ref.name ?? "") else { continue }
                    fields.append(.init(key, try decoder.headerValue(text, ref: ref, shape: memberShape)))
                case .headers:
                    let prefix = (ref.locationName ?? "").lowercased()
                    var entries: [String: AWSValue] = [:]
                    for (headerName, value) in response.headers where headerName.lowercased().hasPrefix(prefix) {
                        entries[String(headerName.dropFirst(prefix.count))] = .string(value)
                    }
                    if !entries.isEmpty { fields.append(.init(key, .map(entries))) }
                case .statusCode:
                    fields.append(.init(key, .integer(Int64(response.status))))
                default:
                    bodyMembers.append(ref)
                }
            }
            if let payload = shape.payload, let ref = members.first(where: { $0.name == payload }) {
                let payloadShape = try model.shape(ref.shape)
                let key = keys == .member ? payload : (ref.locationName ?? payload)
                switch payloadShape.type {
                case .blob: fields.append(.init(key, .blob(response.body)))
                case .string: fields.append(.init(key, .string(String(decoding: response.body, as: UTF8.self))))
                default:
                    if response.body.isEmpty { break }
                    if restXML {
                        let root = try decoder.parseXML(response.body)
                        fields.append(.init(key, try decoder.xml(root, ref: ref)))
                    } else {
                        fields.append(.init(key, try decoder.json(decoder.parseJSON(response.body), ref: ref)))
                    }
                }
            } else if !bodyMembers.isEmpty, !response.body.isEmpty {
                if restXML {
                    let root = try decoder.parseXML(response.body)
                    if case .structure(let bodyFields) = try decoder.xmlStructure(root, members: bodyMembers) {
                        fields.append(contentsOf: bodyFields)
                    }
                } else if let object = try decoder.parseJSON(response.body) as? [String: Any] {
                    if case .structure(let bodyFields) = try decoder.jsonStructure(object, members: bodyMembers) {
                        fields.append(contentsOf: bodyFields)
                    }
                }
            }
            return .structure(fields)
        }
    }

    static func header(_ response: AWSResponse, _ name: String) -> String? {
        let wanted = name.lowercased()
        return response.headers.first { $0.name.lowercased() == wanted }?.value
    }

    struct Decoder {
        let model: AWSServiceModel
        let keys: Keys
        let name: String

        func fail(_ reason: String) -> AWSError { AWSError.invalidResponse(operation: name, reason: reason) }

        func key(_ ref: AWSShapeRef, _ shape: AWSShape) -> String {
            keys == .member ? (ref.name ?? "") : (ref.locationName ?? ref.name ?? "")
        }

        func parseJSON(_ body: [UInt8]) throws -> Any {
            if body.isEmpty || body.allSatisfy({ $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }) { return [String: Any]() }
            do { return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) } catch {
                throw fail("the body is not JSON")
            }
        }

        func parseXML(_ body: [UInt8]) throws -> AWSXMLNode {
            do { return try AWSXMLNode.parse(body) } catch {
                throw fail("the body is not XML: \(error)")
            }
        }

        // MARK: JSON

        func jsonStructure(_ object: [String: Any], members: [AWSShapeRef]) throws -> AWSValue {
            var fields: [AWSValue.Field] = []
            for ref in members {
                guard let raw = object[ref.locationName ?? ref.name ?? ""], !(raw is NSNull) else { continue }
                let shape = try model.shape(ref.shape)
                fields.append(.init(key(ref, shape), try json(raw, ref: ref)))
            }
            return .structure(fields)
        }

        func json(_ raw: Any, ref: AWSShapeRef) throws -> AWSValue {
            let shape = try model.shape(ref.shape)
            switch shape.type {
            case .structure:
                guard let object = raw as? [String: Any] else { return Self.generic(raw) }
                return try jsonStructure(object, members: shape.members ?? [])
            case .list:
                guard let items = raw as? [Any], let element = shape.member else { return Self.generic(raw) }
                return .list(try items.map { try json($0, ref: element) })
            case .map:
                guard let object = raw as? [String: Any], let valueRef = shape.value else { return Self.generic(raw) }
                var out: [String: AWSValue] = [:]
                for (entryKey, entryValue) in object { out[entryKey] = try json(entryValue, ref: valueRef) }
                return .map(out)
            case .timestamp:
                if let number = raw as? NSNumber { return .timestamp(number.doubleValue) }
                if let text = raw as? String, let seconds = AWSWireTime.parse(text) { return .timestamp(seconds) }
                return Self.generic(raw)
            case .blob:
                if let text = raw as? String, let data = Data(base64Encoded: text) { return .blob(Array(data)) }
                return Self.generic(raw)
            default:
                if ref.jsonvalue == true, let text = raw as? String { return jsonValue(text) }
                return scalar(raw, shape)
            }
        }

        func scalar(_ raw: Any, _ shape: AWSShape) -> AWSValue {
            switch (shape.type, raw) {
            case (.boolean, let number as NSNumber): return .bool(number.boolValue)
            case (.integer, let number as NSNumber), (.long, let number as NSNumber): return .integer(number.int64Value)
            case (.float, let number as NSNumber), (.double, let number as NSNumber): return .double(number.doubleValue)
            default: return Self.generic(raw)
            }
        }

        func jsonValue(_ base64: String) -> AWSValue {
            guard let data = Data(base64Encoded: base64), let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            else { return .string(base64) }
            return Self.generic(object)
        }

        /// A JSON value without a shape (documents): objects become maps.
        static func generic(_ raw: Any) -> AWSValue {
            switch raw {
            case is NSNull: return .null
            case let text as String: return .string(text)
            case let number as NSNumber:
                if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
                let double = number.doubleValue
                if double.rounded() == double, let exact = Int64(exactly: double), !"\(number)".contains(".") {
                    return .integer(exact)
                }
                return .double(double)
            case let items as [Any]: return .list(items.map(generic))
            case let object as [String: Any]: return .map(object.mapValues(generic))
            default: return .string("\(raw)")
            }
        }

        // MARK: XML

        func xmlStructure(_ node: AWSXMLNode, members: [AWSShapeRef]) throws -> AWSValue {
            var fields: [AWSValue.Field] = []
            for ref in members where ref.location == nil {
                let shape = try model.shape(ref.shape)
                var elementName = ref.locationName ?? ref.name ?? ""
                if ref.xmlAttribute == true {
                    let attribute = node.attributes.first { $0.key.split(separator: ":").last.map(String.init) == elementName
                        || $0.key == elementName }
                    if let attribute { fields.append(.init(key(ref, shape), try xmlScalar(attribute.value, ref: ref, shape: shape))) }
                    continue
                }
                let flat = ref.flattened == true || shape.flattened == true
                if shape.type == .list, flat {
                    if let element = shape.member, let elementName2 = element.locationName, ref.locationName == nil {
                        elementName = elementName2
                    }
                    let items = node.children(elementName)
                    guard !items.isEmpty, let element = shape.member else { continue }
                    fields.append(.init(key(ref, shape), .list(try items.map { try xml($0, ref: element) })))
                } else if shape.type == .map, flat {
                    let entries = node.children(elementName)
                    guard !entries.isEmpty else { continue }
                    fields.append(.init(key(ref, shape), try xmlMap(entries, shape: shape)))
                } else if let child = node.child(elementName) {
                    fields.append(.init(key(ref, shape), try xml(child, ref: ref)))
                }
            }
            return .structure(fields)
        }

        func xmlMap(_ entries: [AWSXMLNode], shape: AWSShape) throws -> AWSValue {
            guard let keyRef = shape.key, let valueRef = shape.value else { return .map([:]) }
            var out: [String: AWSValue] = [:]
            for entry in entries {
                guard let keyNode = entry.child(keyRef.locationName ?? "key") else { continue }
                out[keyNode.text] = try entry.child(valueRef.locationName ?? "value").map { try xml($0, ref: valueRef) } ?? .null
            }
            return .map(out)
        }

        func xml(_ node: AWSXMLNode, ref: AWSShapeRef) throws -> AWSValue {
            let shape = try model.shape(ref.shape)
            switch shape.type {
            case .structure:
                return try xmlStructure(node, members: shape.members ?? [])
            case .list:
                guard let element = shape.member else { return .list([]) }
                let elementShape = try model.shape(element.shape)
                let elementName = element.locationName ?? elementShape.locationName ?? "member"
                return .list(try node.children(elementName).map { try xml($0, ref: element) })
            case .map:
                return try xmlMap(node.children("entry"), shape: shape)
            default:
                return try xmlScalar(node.text, ref: ref, shape: shape)
            }
        }

        func xmlScalar(_ text: String, ref: AWSShapeRef, shape: AWSShape) throws -> AWSValue {
            switch shape.type {
            case .boolean: return .bool(text == "true")
            case .integer, .long:
                guard let number = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw fail("\(text.debugDescription) is not an integer") }
                return .integer(number)
            case .float, .double:
                guard let number = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw fail("\(text.debugDescription) is not a number") }
                return .double(number)
            case .timestamp:
                guard let seconds = AWSWireTime.parse(text) else { throw fail("\(text.debugDescription) is not a timestamp") }
                return .timestamp(seconds)
            case .blob:
                guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw fail("blob is not base64")
                }
                return .blob(Array(data))
            default:
                return .string(text)
            }
        }

        // MARK: headers

        func headerValue(_ text: String, ref: AWSShapeRef, shape: AWSShape) throws -> AWSValue {
            if ref.jsonvalue == true { return jsonValue(text) }
            switch shape.type {
            case .list:
                guard let element = shape.member else { return .string(text) }
                let elementShape = try model.shape(element.shape)
                return .list(try text.split(separator: ",").map {
                    try xmlScalar($0.trimmingCharacters(in: .whitespaces), ref: element, shape: elementShape)
                })
            default:
                return try xmlScalar(text, ref: ref, shape: shape)
            }
        }
    }
}

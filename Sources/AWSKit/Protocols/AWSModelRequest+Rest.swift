import Foundation

extension Builder {
    /// The rest-json and rest-xml request: URI labels, query string, headers, then the body or payload.
    func buildRest(_ members: [(AWSShapeRef, AWSValue)], inputShape: AWSShape?, restXML: Bool, endpoint: URL?,
                   into request: inout AWSOperationRequest) throws {
        let template = operation.http.requestUri
        let pathTemplate = String(template.prefix { $0 != "?" })
        var query: [(String, String)] = []
        if let mark = template.firstIndex(of: "?") {
            for item in template[template.index(after: mark)...].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
                query.append((pair[0], pair.count > 1 ? pair[1] : ""))
            }
        }
        var labels: [String: String] = [:]
        var headers: [AWSOperationRequest.Header] = []
        var body: [(AWSShapeRef, AWSValue)] = []
        for (ref, value) in members {
            let shape = try model.shape(ref.shape)
            let member = ref.name ?? ref.shape
            let wire = ref.locationName ?? member
            switch ref.location {
            case .uri:
                labels[wire] = try text(value, shape, timestampFormat: timestampFormat(ref, shape, default: "iso8601"), member: member)
            case .querystring:
                switch shape.type {
                case .list:
                    guard let items = value.listValue, let element = shape.member else { throw fail("member \(member) takes a list") }
                    let elementShape = try model.shape(element.shape)
                    for item in items {
                        query.append((wire, try text(item, elementShape, timestampFormat: "iso8601", member: member)))
                    }
                case .map:
                    guard let entries = value.fields, let valueRef = shape.value else { throw fail("member \(member) takes a map") }
                    let valueShape = try model.shape(valueRef.shape)
                    for entry in entries {
                        if let items = entry.value.listValue, let element = valueShape.member {
                            let elementShape = try model.shape(element.shape)
                            for item in items { query.append((entry.name, try text(item, elementShape, timestampFormat: "iso8601", member: member))) }
                        } else {
                            query.append((entry.name, try text(entry.value, valueShape, timestampFormat: "iso8601", member: member)))
                        }
                    }
                default:
                    query.append((wire, try text(value, shape, timestampFormat: timestampFormat(ref, shape, default: "iso8601"), member: member)))
                }
            case .header:
                if shape.type == .list {
                    guard let items = value.listValue, let element = shape.member else { throw fail("member \(member) takes a list") }
                    if items.isEmpty { continue }
                    let elementShape = try model.shape(element.shape)
                    let parts = try items.map { item -> String in
                        let part = try text(item, elementShape, timestampFormat: "rfc822", member: member)
                        guard elementShape.type == .string, part.contains(",") || part.contains("\"") else { return part }
                        return "\"" + part.replacingOccurrences(of: "\"", with: "\\\"") + "\""
                    }
                    headers.append(.init(name: wire, value: parts.joined(separator: ",")))
                } else if ref.jsonvalue == true {
                    headers.append(.init(name: wire, value: Data(JSONWriter.generic(value)).base64EncodedString()))
                } else {
                    headers.append(.init(name: wire, value: try text(value, shape, timestampFormat: timestampFormat(ref, shape, default: "rfc822"), member: member)))
                }
            case .headers:
                guard let entries = value.fields else { throw fail("member \(member) takes a map") }
                for entry in entries {
                    guard case .string(let text) = entry.value else { throw fail("member \(member) takes strings") }
                    headers.append(.init(name: wire + entry.name, value: text))
                }
            case .statusCode:
                continue
            case nil:
                body.append((ref, value))
            }
        }

        // The path, labels encoded; S3 at an AWS endpoint moves the bucket into the host.
        var path = ""
        var rest = Substring(pathTemplate)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            path += rest[..<open]
            var label = String(rest[rest.index(after: open)..<close])
            let greedy = label.hasSuffix("+")
            if greedy { label.removeLast() }
            guard let value = labels[label] else { throw fail("missing required member for URI label {\(label)}") }
            if greedy {
                path += PercentEncoding.encode(Array(value.utf8), keepingSlash: true)
            } else {
                guard !value.isEmpty else { throw fail("URI label {\(label)} must not be empty") }
                path += PercentEncoding.encode(Array(value.utf8))
            }
            rest = rest[rest.index(after: close)...]
        }
        path += rest
        if model.service == "s3", pathTemplate.hasPrefix("/{Bucket}"), let bucket = labels["Bucket"],
           AWSModelRequest.isAWSEndpoint(endpoint), Self.isVirtualHostable(bucket) {
            request.hostPrefix = bucket + "."
            path = String(path.dropFirst(1 + PercentEncoding.encode(Array(bucket.utf8)).count))
            if !path.hasPrefix("/") { path = "/" + path }
        }
        request.path = path.isEmpty ? "/" : path
        request.query = query.map { pair in
            PercentEncoding.encode(Array(pair.0.utf8)) + "=" + PercentEncoding.encode(Array(pair.1.utf8))
        }.sorted().joined(separator: "&")

        // The body: a payload member, or the body members as JSON or XML.
        let shapeMembers = inputShape?.members ?? []
        var contentType: String?
        if let payloadName = inputShape?.payload, let payloadRef = shapeMembers.first(where: { $0.name == payloadName }) {
            let payloadShape = try model.shape(payloadRef.shape)
            let value = body.first { $0.0.name == payloadName }?.1
            switch payloadShape.type {
            case .blob, .string:
                switch value {
                case .blob(let bytes): request.body = bytes
                case .string(let text): request.body = Array(text.utf8)
                case nil, .null: request.body = []
                default: throw fail("member \(payloadName) takes bytes or a string")
                }
            default:
                if let value {
                    request.body = restXML ? try xmlDocument(value, ref: payloadRef, rootName: payloadRef.locationName ?? payloadName)
                        : try jsonBody(self.members(of: value, shape: payloadShape, top: false))
                } else {
                    request.body = restXML ? [] : Array("{}".utf8)
                }
                contentType = restXML ? nil : "application/json"
            }
        } else if !body.isEmpty {
            if restXML {
                guard let input = operation.input else { throw fail("the operation takes no input") }
                request.body = try xmlStructure(body, shape: try model.shape(input.shape), ref: input,
                                                name: input.locationName ?? input.shape)
            } else {
                request.body = try jsonBody(body)
                contentType = "application/json"
            }
        } else if !restXML, shapeMembers.contains(where: { $0.location == nil }) {
            request.body = Array("{}".utf8)
            contentType = "application/json"
        }
        if let contentType, !request.body.isEmpty, !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(.init(name: "Content-Type", value: contentType))
        }
        request.headers = headers
    }

    func jsonBody(_ members: [(AWSShapeRef, AWSValue)]) throws -> [UInt8] {
        var json = JSONWriter()
        try writeJSONStructure(members, to: &json)
        return json.bytes
    }

    /// Whether S3 can address `bucket` as a host label: 3 to 63 lowercase letters, digits and
    /// hyphens (botocore also takes dots over plain HTTP; a dotted name stays in the path here).
    static func isVirtualHostable(_ bucket: String) -> Bool {
        (3...63).contains(bucket.count) && bucket.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
            && !bucket.hasPrefix("-") && !bucket.hasSuffix("-")
    }
}

extension JSONWriter {
    /// Any value as JSON, for `jsonvalue` headers and documents: structures and maps as objects.
    static func generic(_ value: AWSValue) -> [UInt8] {
        var json = JSONWriter()
        json.write(value)
        return json.bytes
    }

    mutating func write(_ value: AWSValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): raw(flag ? "true" : "false")
        case .integer(let number): raw(String(number))
        case .double(let number), .timestamp(let number): raw("\(number)")
        case .string(let text): string(text)
        case .blob(let bytes): string(Data(bytes).base64EncodedString())
        case .list(let items):
            open("[")
            for item in items { comma(); write(item) }
            close("]")
        case .map, .structure:
            open("{")
            for field in value.fields ?? [] { key(field.name); write(field.value) }
            close("}")
        }
    }
}

// The canonical forms of SigV4 (research note aws-protocols.md section 3.1, rules 2-4).

extension SigV4Signer {
    /// Headers never signed: hop-by-hop ones a proxy or libcurl may change, and the signature itself.
    ///
    /// botocore's `SIGNED_HEADERS_BLACKLIST`, plus `authorization`.
    static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
        "x-amzn-trace-id",
    ]

    /// The canonical URI: the wire path, normalized and encoded once more unless `options` say not to.
    ///
    /// With double encoding a wire `%3A` becomes `%253A`, as every service but S3 expects.
    func canonicalURI(_ path: String) -> String {
        var uri = path
        if options.normalizesPath {
            uri = Self.removingDotSegments(uri)
        }
        if options.doubleEncodesPath {
            uri = PercentEncoding.encode(uri.utf8, keepingSlash: true)
        }
        return uri.isEmpty ? "/" : uri
    }

    /// Removes `.` and `..` segments (RFC 3986 section 5.2.4) and empty ones (`//`).
    ///
    /// Keeps a leading `/`, and a trailing one when any segment remains; botocore's `remove_dot_segments`.
    static func removingDotSegments(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var kept: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".":
                continue
            case "..":
                _ = kept.popLast()
            default:
                kept.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !kept.isEmpty ? "/" : ""
        let normalized = first + kept.joined(separator: "/") + last
        return normalized.isEmpty ? "/" : normalized
    }

    /// The canonical query: each pair decoded, re-encoded, sorted by key then value, joined by `&`.
    ///
    /// A piece without `=` has an empty value; empty pieces (`a&&b`) are dropped.
    static func canonicalQuery(_ query: String) -> String {
        encodedQueryPairs(query)
            .sorted { lhs, rhs in
                lhs.key == rhs.key
                    ? lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
                    : lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
            }
            .map { "\($0.key)=\($0.value)" }
            .joined(separator: "&")
    }

    /// The query's pairs in order, each key and value decoded and then SigV4-encoded.
    static func encodedQueryPairs(_ query: String) -> [(key: String, value: String)] {
        query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { piece in
            let key: Substring.UTF8View.SubSequence
            let value: Substring.UTF8View.SubSequence
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                key = piece[..<equals]
                value = piece[piece.index(after: equals)...]
            } else {
                key = piece
                value = piece[piece.endIndex...]
            }
            return (
                PercentEncoding.encode(PercentEncoding.decode(key)),
                PercentEncoding.encode(PercentEncoding.decode(value))
            )
        }
    }

    /// The canonical header block and the signed-header list, from every header not in `excluded`.
    ///
    /// Names are lowercased and sorted; each value is trimmed with runs of spaces and tabs
    /// collapsed to one space; repeated names are joined with `,` in order.
    ///
    /// - Throws: `AWSError.missingHost` when no `host` header is signed.
    static func canonicalHeaders(
        _ headers: [(name: String, value: String)],
        excluding excluded: Set<String>
    ) throws(AWSError) -> (block: String, signedHeaders: String) {
        var valuesByName: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            guard !excluded.contains(name) else { continue }
            valuesByName[name, default: []].append(canonicalHeaderValue(header.value))
        }
        guard valuesByName["host"] != nil else { throw .missingHost }
        let names = valuesByName.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in names {
            block += name + ":" + (valuesByName[name] ?? []).joined(separator: ",") + "\n"
        }
        return (block, names.joined(separator: ";"))
    }

    /// Trims spaces and tabs and collapses each inner run of them to one space, even inside quotes.
    static func canonicalHeaderValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace {
                    out.append(UInt8(ascii: " "))
                    pendingSpace = false
                }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

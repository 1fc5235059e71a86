@_spi(Fuzzing) import AWSKit
import Foundation
import FuzzSupport

// SigV4 canonicalises whatever path, query and headers a request carries (a runbook's
// parameters reach all three). The input is path, query and header lines (`name:value`)
// separated by NUL bytes. Signing must succeed or throw, never trap; it must be deterministic;
// and the canonical forms must have their documented shape.

private let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         sessionToken: "token")
private let date = Date(timeIntervalSince1970: 1_440_938_160)

private func isEncoded(_ text: String, allowing extra: Set<UInt8> = []) -> Bool {
    let bytes = Array(text.utf8)
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "%") {
            guard i + 2 < bytes.count,
                  bytes[(i + 1)...(i + 2)].allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) })
            else { return false }
            i += 3
            continue
        }
        let unreserved = (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "~")
        guard unreserved || extra.contains(b) else { return false }
        i += 1
    }
    return true
}

fuzz { bytes in
    let parts = pieces(bytes, separator: 0, parts: 3).map { String(decoding: $0, as: UTF8.self) }
    let path = parts[0]
    let query = parts.count > 1 ? parts[1] : ""
    var headers: [(name: String, value: String)] = [("Host", "example.amazonaws.com")]
    if parts.count > 2 {
        for line in parts[2].split(separator: "\n") {
            let nameValue = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            headers.append((String(nameValue[0]), nameValue.count > 1 ? String(nameValue[1]) : ""))
        }
    }

    // The canonical query: pairs encoded, sorted by key then value, one per non-empty piece; idempotent.
    let canonicalQuery = FuzzEntryPoints.sigV4CanonicalQuery(query)
    let pairs = canonicalQuery.isEmpty ? [] : canonicalQuery.split(separator: "&", omittingEmptySubsequences: false)
    property(pairs.count == query.utf8.split(separator: UInt8(ascii: "&")).count,
             "canonical query \(canonicalQuery.debugDescription) has \(pairs.count) pairs for \(query.debugDescription)")
    let split = pairs.map { pair -> (String, String) in
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(kv[0]), kv.count > 1 ? String(kv[1]) : "\u{0}")
    }
    for (key, value) in split {
        property(isEncoded(key) && isEncoded(value), "canonical query pair \(key)=\(value) is not SigV4-encoded")
    }
    for (a, b) in zip(split, split.dropFirst()) {
        let ordered = a.0 == b.0 ? !b.1.utf8.lexicographicallyPrecedes(a.1.utf8) : a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
        property(ordered, "canonical query \(canonicalQuery.debugDescription) is not sorted")
    }
    property(FuzzEntryPoints.sigV4CanonicalQuery(canonicalQuery) == canonicalQuery,
             "canonical query \(canonicalQuery.debugDescription) is not a fixed point")

    // The canonical URI: encoded but for `/`; normalising is idempotent and leaves no dot or empty segment.
    let uri = FuzzEntryPoints.sigV4CanonicalURI(path, options: SigV4Signer.Options())
    property(isEncoded(uri, allowing: [UInt8(ascii: "/")]), "canonical URI \(uri.debugDescription) is not encoded")
    let normalized = FuzzEntryPoints.sigV4CanonicalURI(path, options: SigV4Signer.Options(doubleEncodesPath: false))
    property(FuzzEntryPoints.sigV4CanonicalURI(normalized, options: SigV4Signer.Options(doubleEncodesPath: false)) == normalized,
             "normalising \(normalized.debugDescription) again changes it")
    let segments = normalized.split(separator: "/", omittingEmptySubsequences: false)
    property(!segments.dropFirst().dropLast().contains { $0.isEmpty || $0 == "." || $0 == ".." }
             && segments.last != "." && segments.last != "..",
             "normalised path \(normalized.debugDescription) keeps a dot or empty segment")

    // Signing: deterministic, and the signed request carries the canonical forms.
    for options in [SigV4Signer.Options(), .s3] {
        let signer = SigV4Signer(service: "service", region: "us-east-1", options: options)
        var first = AWSRequest(method: "GET", path: path, query: query, headers: headers)
        var second = first
        guard let a = try? signer.sign(&first, credentials: credentials, date: date) else { continue }
        let b = try? signer.sign(&second, credentials: credentials, date: date)
        property(b?.signature == a.signature && b?.canonicalRequest == a.canonicalRequest, "signing twice differs")
        let names = a.signedHeaders.split(separator: ";").map(String.init)
        property(names == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } && Set(names).count == names.count
                 && names.allSatisfy { $0 == $0.lowercased() } && names.contains("host") && names.contains("x-amz-date"),
                 "signed headers \(a.signedHeaders) are not sorted, unique, lowercase, with host and x-amz-date")
        if options == SigV4Signer.Options() {
            let lines = a.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
            property(lines.count > 3 && lines[1] == uri && lines[2] == canonicalQuery,
                     "canonical request \(a.canonicalRequest.debugDescription) does not carry \(uri) and \(canonicalQuery)")
        }
        var presigned = AWSRequest(method: "GET", path: path, query: query, headers: headers)
        if let p = try? signer.presign(&presigned, credentials: credentials, date: date, expiresIn: .seconds(60)) {
            var again = AWSRequest(method: "GET", path: path, query: query, headers: headers)
            let q = try? signer.presign(&again, credentials: credentials, date: date, expiresIn: .seconds(60))
            property(q?.signature == p.signature && again.query == presigned.query, "presigning twice differs")
        }
    }
}

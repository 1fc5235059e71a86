@testable import AWSKit
import Foundation

/// One case of the aws-c-auth v4 suite in Fixtures/sigv4/v4/<name>/.
struct SigV4TestVector {
    /// The case folders, sorted; empty when the fixtures are missing (a test checks the count).
    static let names: [String] = {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return contents.filter { name in
            FileManager.default.fileExists(atPath: directory + "/" + name + "/context.json")
        }.sorted()
    }()

    static var directory: String {
        (#filePath as NSString).deletingLastPathComponent + "/Fixtures/sigv4/v4"
    }

    /// context.json.
    struct Context: Decodable {
        struct Credentials: Decodable {
            let accessKeyID: String
            let secretAccessKey: String
            let token: String?

            enum CodingKeys: String, CodingKey {
                case accessKeyID = "access_key_id"
                case secretAccessKey = "secret_access_key"
                case token
            }
        }

        let credentials: Credentials
        let expirationInSeconds: Int64
        let normalize: Bool
        let region: String
        let service: String
        let signBody: Bool
        let timestamp: String
        let omitSessionToken: Bool?

        enum CodingKeys: String, CodingKey {
            case credentials, normalize, region, service, timestamp
            case expirationInSeconds = "expiration_in_seconds"
            case signBody = "sign_body"
            case omitSessionToken = "omit_session_token"
        }
    }

    struct VectorError: Error, CustomStringConvertible {
        let description: String
    }

    let name: String
    let context: Context
    let date: Date

    init(named name: String) throws {
        self.name = name
        context = try JSONDecoder().decode(Context.self, from: Data(contentsOf: URL(fileURLWithPath: Self.directory + "/" + name + "/context.json")))
        guard let date = ISO8601DateFormatter().date(from: context.timestamp) else {
            throw VectorError(description: "\(name): bad timestamp \(context.timestamp)")
        }
        self.date = date
    }

    var credentials: AWSCredentials {
        AWSCredentials(
            accessKeyID: context.credentials.accessKeyID,
            secretAccessKey: context.credentials.secretAccessKey,
            sessionToken: context.credentials.token
        )
    }

    /// The harness semantics of aws-c-auth's sigv4_signing_tests.c, as PROVENANCE.txt lists them.
    var signer: SigV4Signer {
        var signer = SigV4Signer(
            service: context.service,
            region: context.region,
            options: .init(
                normalizesPath: context.normalize,
                doubleEncodesPath: true,
                signsContentSHA256Header: context.signBody
            )
        )
        signer.signsSessionToken = !(context.omitSessionToken ?? false)
        return signer
    }

    /// The text of one file of the case, exactly (these files have no trailing newline).
    func text(_ file: String) throws -> String {
        try String(contentsOfFile: Self.directory + "/" + name + "/" + file, encoding: .utf8)
    }

    /// request.txt as an `AWSRequest`.
    func request() throws -> AWSRequest {
        try Self.parse(text("request.txt"), file: "request.txt")
    }

    /// Parses an HTTP/1.1 request as the suite writes it.
    ///
    /// The target may hold spaces and raw UTF-8, so the request line is split at its first space
    /// and its last ` HTTP/1.1`. A line starting with whitespace continues the previous header
    /// (obsolete line folding) and is joined to it with one space. Headers end at an empty line;
    /// the rest is the body.
    static func parse(_ text: String, file: String) throws -> AWSRequest {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !lines.isEmpty, let space = lines[0].firstIndex(of: " "),
            let version = lines[0].range(of: " HTTP/1.1", options: .backwards)
        else {
            throw VectorError(description: "\(file): bad request line")
        }
        let requestLine = lines.removeFirst()
        let method = String(requestLine[..<space])
        let target = String(requestLine[requestLine.index(after: space)..<version.lowerBound])
        var headers: [(name: String, value: String)] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody {
                bodyLines.append(line)
            } else if line.isEmpty {
                inBody = true
            } else if line.first == " " || line.first == "\t" {
                guard let last = headers.popLast() else {
                    throw VectorError(description: "\(file): continuation before any header")
                }
                headers.append((last.name, last.value + " " + line.trimmingCharacters(in: .whitespaces)))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                throw VectorError(description: "\(file): bad header line \(line)")
            }
        }
        let path: String
        let query: String
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        return AWSRequest(
            method: method, path: path, query: query, headers: headers,
            body: Array(bodyLines.joined(separator: "\n").utf8)
        )
    }
}

import Foundation

/// The shared secret callers present as `Authorization: Bearer TOKEN`. It has no description
/// that shows it, so no log line or error can print it by accident.
public struct BearerToken: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]

    /// The most a token file may hold; tokens are tens of characters.
    static let maximumFileBytes = 4096

    /// The token in the file at `path`, without surrounding whitespace.
    ///
    /// - Throws: ``ServerSetupError`` for a file that is unreadable, empty or larger than 4 KiB.
    public init(file path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ServerSetupError("cannot read the token file \(path)") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: Self.maximumFileBytes + 1)) ?? Data()
        guard data.count <= Self.maximumFileBytes else { throw ServerSetupError("the token file \(path) is more than \(Self.maximumFileBytes) bytes") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, !token.contains(where: { $0.isWhitespace }) else {
            throw ServerSetupError("the token file \(path) must hold one token: not empty, no spaces inside")
        }
        bytes = Array(token.utf8)
    }

    /// Whether an `Authorization` header value presents this token. Every byte of the token is
    /// compared whatever the header holds, so the time taken tells nothing of how much matched.
    func authorizes(_ header: String?) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let presented = Array(header.utf8.dropFirst(7))
        var difference = UInt8(presented.count == bytes.count ? 0 : 1)
        for index in bytes.indices {
            difference |= bytes[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }

    public var description: String { "<redacted>" }
}

/// A server setting that cannot be used, said for the operator.
public struct ServerSetupError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String

    init(_ description: String) { self.description = description }
}

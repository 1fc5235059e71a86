internal import COpenSSL

/// The one place AWSKit calls libcrypto: every failure becomes `AWSError.cryptoFailure`.
enum OpenSSL {
    /// The SHA-256 digest of `data`.
    static func sha256(_ data: [UInt8]) throws(AWSError) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        // OpenSSL accepts a null pointer with length 0, but a real one costs nothing.
        let input = data.isEmpty ? [0] : data
        let ok = input.withUnsafeBufferPointer { inputBuffer in
            digest.withUnsafeMutableBufferPointer { out in
                SHA256(inputBuffer.baseAddress, data.count, out.baseAddress) != nil
            }
        }
        guard ok else { throw .cryptoFailure(operation: "SHA256") }
        return digest
    }

    /// The HMAC-SHA256 of `data` under `key`.
    static func hmacSHA256(key: [UInt8], data: [UInt8]) throws(AWSError) -> [UInt8] {
        guard let keyLength = Int32(exactly: key.count) else {
            throw .cryptoFailure(operation: "HMAC")
        }
        var mac = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var macLength: UInt32 = 0
        let keyBytes = key.isEmpty ? [0] : key
        let input = data.isEmpty ? [0] : data
        let ok = keyBytes.withUnsafeBufferPointer { keyBuffer in
            input.withUnsafeBufferPointer { inputBuffer in
                mac.withUnsafeMutableBufferPointer { out in
                    HMAC(
                        EVP_sha256(), keyBuffer.baseAddress, keyLength,
                        inputBuffer.baseAddress, data.count, out.baseAddress, &macLength
                    ) != nil
                }
            }
        }
        guard ok, macLength == UInt32(SHA256_DIGEST_LENGTH) else {
            throw .cryptoFailure(operation: "HMAC")
        }
        return Array(mac.prefix(Int(macLength)))
    }

    /// Lowercase hexadecimal, as SigV4 writes hashes and signatures.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

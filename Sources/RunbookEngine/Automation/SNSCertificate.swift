import COpenSSL
import Foundation

/// An SNS signing certificate and its RSA public key, parsed once and shared by every message
/// that names it.
///
/// Unchecked Sendable: both OpenSSL objects are only read after `init`, and OpenSSL 3 allows
/// concurrent verification with one key, each call having its own digest context.
final class SNSCertificate: @unchecked Sendable {
    /// The largest PEM accepted; SNS's are about 2 KiB.
    static let maximumPEMBytes = 64 << 10
    /// The shortest RSA key accepted; SNS's are 2048 bits.
    static let minimumKeyBits: Int32 = 2048

    private let certificate: OpaquePointer
    private let key: OpaquePointer

    /// Parses the first certificate of `pem`.
    ///
    /// - Throws: ``SNSSignatureError`` (`refused`) for anything but a PEM X.509 certificate
    ///   holding an RSA key of at least ``minimumKeyBits``.
    init(pem: [UInt8], from url: SNSSigningCertURL) throws(SNSSignatureError) {
        // OpenSSL queues an error for each failure on this thread; leave none for the next caller.
        defer { ERR_clear_error() }
        func refuse(_ problem: String) -> SNSSignatureError { SNSSignatureError(.refused, "certificate \(url) \(problem)") }
        guard !pem.isEmpty, pem.count <= Self.maximumPEMBytes else {
            throw refuse("is \(pem.count) bytes, not 1 to \(Self.maximumPEMBytes)")
        }
        let parsed: OpaquePointer? = pem.withUnsafeBytes { bytes in
            // The memory BIO reads `bytes` in place, so it must not outlive this closure.
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let certificate = parsed else { throw refuse("is not a PEM X.509 certificate") }
        guard let key = X509_get_pubkey(certificate) else {
            X509_free(certificate)
            throw refuse("has no public key OpenSSL can read")
        }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA, EVP_PKEY_get_bits(key) >= Self.minimumKeyBits else {
            EVP_PKEY_free(key)
            X509_free(certificate)
            throw refuse("does not hold an RSA key of at least \(Self.minimumKeyBits) bits")
        }
        self.certificate = certificate
        self.key = key
    }

    deinit {
        EVP_PKEY_free(key)
        X509_free(certificate)
    }

    /// Throws unless `date` lies within the certificate's notBefore and notAfter.
    func checkValidity(at date: Date) throws(SNSSignatureError) {
        guard var now = time_t(exactly: date.timeIntervalSince1970.rounded(.down)) else {
            throw SNSSignatureError(.refused, "the time to check the certificate at is out of range")
        }
        guard let notBefore = X509_get0_notBefore(certificate), let notAfter = X509_get0_notAfter(certificate) else {
            throw SNSSignatureError(.refused, "certificate has no validity dates")
        }
        // X509_cmp_time: -1 when the certificate's time is before `now`, 1 after, 0 when unreadable.
        let started = X509_cmp_time(notBefore, &now)
        let ends = X509_cmp_time(notAfter, &now)
        ERR_clear_error()
        guard started != 0, ends != 0 else { throw SNSSignatureError(.refused, "certificate has unreadable validity dates") }
        guard started < 0 else { throw SNSSignatureError(.refused, "certificate is not valid before \(Self.format(notBefore))") }
        guard ends > 0 else { throw SNSSignatureError(.refused, "certificate expired at \(Self.format(notAfter))") }
    }

    /// True when `signature` is the RSA PKCS #1 v1.5 signature of `message` under this key with
    /// the digest of `version`.
    ///
    /// - Throws: ``SNSSignatureError`` when OpenSSL cannot set up the check at all.
    func verify(_ signature: [UInt8], of message: [UInt8], version: SNSSignatureVersion) throws(SNSSignatureError) -> Bool {
        defer { ERR_clear_error() }
        guard let context = EVP_MD_CTX_new() else { throw SNSSignatureError(.refused, "OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        let digest = version == .sha1 ? EVP_sha1() : EVP_sha256()
        guard EVP_DigestVerifyInit(context, nil, digest, nil, key) == 1 else {
            throw SNSSignatureError(.refused, "OpenSSL could not verify SignatureVersion \(version.rawValue) with the certificate's key")
        }
        return signature.withUnsafeBufferPointer { signatureBytes in
            message.withUnsafeBufferPointer { messageBytes in
                EVP_DigestVerify(context, signatureBytes.baseAddress, signatureBytes.count, messageBytes.baseAddress, messageBytes.count) == 1
            }
        }
    }

    /// An ASN.1 time as the journal writes times, for messages.
    private static func format(_ time: UnsafePointer<ASN1_TIME>) -> String {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return "an unreadable date" }
        return UTCTime.iso8601(Date(timeIntervalSince1970: TimeInterval(timegm(&parts))))
    }
}

import Foundation
public import HTTPClient

/// Where SNS signing certificates come from: HTTPS in service, local files in tests and demos.
public protocol SNSCertificateFetcher: Sendable {
    /// The PEM bytes of the certificate at `url`.
    ///
    /// - Throws: ``SNSSignatureError`` (`certificateUnavailable`) saying why there are none.
    func certificate(at url: SNSSigningCertURL) async throws(SNSSignatureError) -> [UInt8]
}

/// Fetches certificates from SNS over HTTPS, with a timeout and a size cap; redirects are not
/// followed, so nothing but the checked URL is ever asked.
public struct SNSHTTPCertificateFetcher: SNSCertificateFetcher {
    private let transport: any HTTPTransport
    private let timeout: Duration

    /// A fetcher sending through `transport`, each fetch taking at most `timeout`.
    public init(transport: any HTTPTransport = CurlTransport.shared, timeout: Duration = .seconds(10)) {
        self.transport = transport
        self.timeout = timeout
    }

    public func certificate(at url: SNSSigningCertURL) async throws(SNSSignatureError) -> [UInt8] {
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(
                method: "GET", url: url.text, timeout: timeout, maxBody: SNSCertificate.maximumPEMBytes))
        } catch {
            throw SNSSignatureError(.certificateUnavailable, "could not fetch \(url): \(error)")
        }
        guard response.status == 200 else {
            throw SNSSignatureError(.certificateUnavailable, "could not fetch \(url): HTTP status \(response.status)")
        }
        guard !response.truncated else {
            throw SNSSignatureError(.refused, "certificate \(url) is more than \(SNSCertificate.maximumPEMBytes) bytes")
        }
        return response.body
    }
}

/// Certificates read from local files in place of SNS's URLs (`--sns-cert-file URL=PATH`), so
/// signed messages can be checked with no network: in tests, or with a certificate saved earlier.
public struct SNSCertificateFiles: SNSCertificateFetcher {
    private let files: [SNSSigningCertURL: String]

    /// Reads the certificate of each URL from its path; a URL not in `files` has none.
    public init(_ files: [SNSSigningCertURL: String]) {
        self.files = files
    }

    public func certificate(at url: SNSSigningCertURL) async throws(SNSSignatureError) -> [UInt8] {
        guard let path = files[url] else {
            throw SNSSignatureError(.certificateUnavailable, "no local certificate file is given for \(url)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SNSSignatureError(.certificateUnavailable, "cannot open the certificate file \(path) for \(url)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: SNSCertificate.maximumPEMBytes + 1) ?? Data()
        } catch {
            throw SNSSignatureError(.certificateUnavailable, "cannot read the certificate file \(path): \(error.localizedDescription)")
        }
        guard data.count <= SNSCertificate.maximumPEMBytes else {
            throw SNSSignatureError(.refused, "the certificate file \(path) is more than \(SNSCertificate.maximumPEMBytes) bytes")
        }
        return Array(data)
    }
}

/// SNS signing certificates by URL: each fetched once and parsed once, however many messages name it.
///
/// At most `maximumEntries` are kept, the least recently used going first. A failed fetch is
/// remembered for `retryAfter` only, so a burst of messages naming a broken URL costs one fetch,
/// and a passing outage heals by itself. Messages that arrive while a fetch is under way wait for it.
public actor SNSCertificateCache {
    private enum Entry {
        case loading(Task<Result<SNSCertificate, SNSSignatureError>, Never>)
        case ready(SNSCertificate)
        case failed(SNSSignatureError, until: ContinuousClock.Instant)
    }

    private let fetcher: any SNSCertificateFetcher
    private let maximumEntries: Int
    private let retryAfter: Duration
    private var entries: [SNSSigningCertURL: Entry] = [:]
    /// Least recently used first.
    private var order: [SNSSigningCertURL] = []

    /// A cache fetching through `fetcher`.
    ///
    /// - Parameters:
    ///   - maximumEntries: the most certificates (and remembered failures) kept; SNS signs with one
    ///     certificate per region at a time, so a few suffice.
    ///   - retryAfter: how long a failed fetch is remembered before the URL is fetched again.
    public init(fetcher: any SNSCertificateFetcher, maximumEntries: Int = 16, retryAfter: Duration = .seconds(30)) {
        self.fetcher = fetcher
        self.maximumEntries = max(1, maximumEntries)
        self.retryAfter = retryAfter
    }

    /// The parsed certificate at `url`, fetched now unless kept from before.
    func certificate(for url: SNSSigningCertURL) async throws(SNSSignatureError) -> SNSCertificate {
        switch entries[url] {
        case .ready(let certificate):
            touch(url)
            return certificate
        case .loading(let task):
            return try await task.value.get()
        case .failed(let error, let until) where ContinuousClock.now < until:
            throw error
        case .failed, nil:
            break
        }
        let fetcher = self.fetcher
        let task = Task { () -> Result<SNSCertificate, SNSSignatureError> in
            do throws(SNSSignatureError) {
                return .success(try SNSCertificate(pem: try await fetcher.certificate(at: url), from: url))
            } catch {
                return .failure(error)
            }
        }
        entries[url] = .loading(task)
        touch(url)
        let result = await task.value
        switch result {
        case .success(let certificate): entries[url] = .ready(certificate)
        case .failure(let error): entries[url] = .failed(error, until: ContinuousClock.now + retryAfter)
        }
        evict()
        return try result.get()
    }

    private func touch(_ url: SNSSigningCertURL) {
        order.removeAll { $0 == url }
        order.append(url)
    }

    /// Drops the least recently used entries past the cap; a fetch under way stays, since callers wait on it.
    private func evict() {
        var index = 0
        while entries.count > maximumEntries, index < order.count {
            if case .loading = entries[order[index]] {
                index += 1
                continue
            }
            entries[order[index]] = nil
            order.remove(at: index)
        }
    }
}

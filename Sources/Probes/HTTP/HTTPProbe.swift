public import HTTPClient

/// HTTP checks: one GET, answered with status, headers and the start of the body, or with why
/// no answer came. A failed exchange is a result (`ok == false`), not an error; only arguments
/// that could never be sent throw, and they throw before any I/O.
///
/// ```swift
/// let health = try await HTTPProbe.get(url: "http://10.0.0.5:8080/health", timeout: .seconds(3))
/// print(health.ok, health.status ?? 0, health.failure?.reason.rawValue ?? "")  // false 0 timed_out
/// ```
public enum HTTPProbe {
    /// The most body a probe keeps unless told otherwise: 1 MiB, plenty for a health page.
    public static let defaultMaxBody = 1 << 20

    /// Checks a probe's arguments without sending anything: what ``get(url:headers:timeout:maxBody:caFile:transport:)``
    /// checks first, for a caller that validates before it decides to send.
    ///
    /// - Parameters:
    ///   - url: must be `http://` or `https://` with a host, and hold no space or control character.
    ///   - headers: names must be HTTP tokens; values must not hold CR, LF or NUL, which would
    ///     let a runbook's text add headers of its own.
    ///   - maxBody: must not be negative.
    /// - Throws: ``ProbeError`` naming the argument and what is wrong with it.
    public static func validate(url: String, headers: [(name: String, value: String)] = [],
                                maxBody: Int = defaultMaxBody) throws(ProbeError) {
        try checkURL(url)
        for header in headers {
            guard !header.name.isEmpty, header.name.unicodeScalars.allSatisfy(isTokenCharacter) else {
                throw .argument("headers", "header name \(quoted(header.name)) is not an HTTP token")
            }
            guard !header.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw .argument("headers", "the value of \(header.name) holds a line break or NUL")
            }
        }
        guard maxBody >= 0 else { throw .argument("maxBody", "\(maxBody) is negative") }
    }

    /// Sends `GET url` and reports the answer, reading at most `maxBody` bytes of the body.
    ///
    /// - Parameters:
    ///   - url: an `http://` or `https://` URL.
    ///   - headers: sent as given, in order.
    ///   - timeout: the most the whole exchange may take.
    ///   - maxBody: the most body bytes read; past it reading stops and the result is `truncated`.
    ///   - caFile: a PEM file of CA certificates that verify an HTTPS server in place of the system store.
    ///   - transport: how the request goes out; tests and dry runs may pass their own.
    /// - Returns: The result, `ok` or not; a refused, reset or timed-out exchange is a result
    ///   with a ``HTTPProbeFailure``.
    /// - Throws: ``ProbeError`` when the arguments fail ``validate(url:headers:maxBody:)``; nothing is sent then.
    public static func get(
        url: String, headers: [(name: String, value: String)] = [], timeout: Duration, maxBody: Int = defaultMaxBody,
        caFile: String? = nil, transport: any HTTPTransport = CurlTransport.shared
    ) async throws(ProbeError) -> HTTPProbeResult {
        try validate(url: url, headers: headers, maxBody: maxBody)
        let start = ContinuousClock.now
        do {
            let response = try await transport.send(HTTPRequest(
                method: "GET", url: url, headers: headers, timeout: timeout, maxBody: maxBody, caFile: caFile))
            var names: [String: String] = [:]
            for header in response.headers { names[header.name.lowercased()] = header.value }
            // A transport that ignores maxBody (a test double, a recording) is held to it here.
            let body = response.body.prefix(maxBody)
            return HTTPProbeResult(
                url: url, status: response.status, headers: names, body: Array(body),
                truncated: response.truncated || response.body.count > maxBody, latencyMs: elapsedMs(since: start), failure: nil)
        } catch {
            let failure = (error as? HTTPTransportError).map { HTTPProbeFailure(reason: ProbeFailureReason($0.kind), description: $0.description) }
                ?? HTTPProbeFailure(reason: error is CancellationError ? .cancelled : .other, description: "\(error)")
            return HTTPProbeResult(url: url, status: nil, headers: [:], body: [], truncated: false,
                                   latencyMs: elapsedMs(since: start), failure: failure)
        }
    }

    /// Throws unless `url` is an `http://` or `https://` URL with a host that curl would take as written.
    static func checkURL(_ url: String) throws(ProbeError) {
        let lowered = url.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lowered.hasPrefix($0) }) else {
            throw .argument("url", "expected an http:// or https:// URL, got \(quoted(url))")
        }
        guard !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw .argument("url", "\(quoted(url)) holds a space or control character; percent-encode it")
        }
        guard url.dropFirst(scheme.count).first.map({ !"/?#".contains($0) }) ?? false else {
            throw .argument("url", "\(quoted(url)) has no host")
        }
    }

    /// RFC 9110's `tchar`: what a header name may be made of.
    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": true
        default: false
        }
    }
}

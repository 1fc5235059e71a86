public import HTTPClient

/// Reads a Prometheus endpoint (node_exporter, the JMX exporter, MSK open monitoring on ports
/// 11001 and 11002) and parses it. Unlike ``HTTPProbe``, a scrape that gets no usable answer is
/// an error: the caller wanted the metrics, not a health check.
///
/// ```swift
/// let text = try await PrometheusScrape.scrape(url: "http://b-1.example:11002/metrics", timeout: .seconds(10))
/// let load = text.value(of: "node_load1")
/// ```
public enum PrometheusScrape {
    /// The most body a scrape reads unless told otherwise: 16 MiB. node_exporter serves a few
    /// hundred KiB and a busy broker's JMX exporter a few MiB; more means the endpoint is not
    /// the one meant, and reading it all would hold a run's memory.
    public static let defaultMaxBytes = 16 << 20

    /// Checks a scrape's arguments without sending anything.
    ///
    /// - Throws: ``ProbeError`` when `url` is not an `http://` or `https://` URL with a host,
    ///   or `maxBytes` is negative.
    public static func validate(url: String, maxBytes: Int = defaultMaxBytes) throws(ProbeError) {
        try HTTPProbe.checkURL(url)
        guard maxBytes >= 0 else { throw .argument("maxBytes", "\(maxBytes) is negative") }
    }

    /// Sends `GET url` with `Accept: text/plain` and parses the answer as Prometheus text.
    ///
    /// - Parameters:
    ///   - url: an `http://` or `https://` URL, usually ending in `/metrics`.
    ///   - timeout: the most the whole exchange may take.
    ///   - transport: how the request goes out; tests and dry runs may pass their own.
    ///   - maxBytes: the most body read; a longer body is an error, found without reading past it.
    ///   - maximumSamples: the most samples taken, as ``PrometheusText/init(parsing:maximumSamples:deadline:)``.
    /// - Throws: ``ProbeError`` naming the URL: for bad arguments (before any I/O), no answer,
    ///   a status other than 200, a body over `maxBytes`, a line that does not parse, or parsing
    ///   past the timeout, which covers the exchange and the parse together. Past
    ///   `maximumSamples` the error has a ``ProbeError/sampleLimit``.
    public static func scrape(
        url: String, timeout: Duration, transport: any HTTPTransport = CurlTransport.shared, maxBytes: Int = defaultMaxBytes,
        maximumSamples: Int? = nil
    ) async throws(ProbeError) -> PrometheusText {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        try validate(url: url, maxBytes: maxBytes)
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(
                method: "GET", url: url, headers: [("Accept", "text/plain")], timeout: timeout, maxBody: maxBytes))
        } catch {
            throw .scrape(url, "\(error)")
        }
        guard response.status == 200 else { throw .scrapeStatus(url, response.status) }
        guard !response.truncated, response.body.count <= maxBytes else {
            throw .scrape(url, "the body is larger than \(maxBytes) bytes, the scrape's size limit; raise it if the endpoint is the one meant")
        }
        do {
            return try PrometheusText(parsing: response.body, maximumSamples: maximumSamples, deadline: deadline)
        } catch where error.sampleLimit != nil {
            throw error
        } catch {
            throw .scrape(url, error.description)
        }
    }
}

internal import CCurlShim
import Foundation
import Synchronization

/// HTTP over libcurl's multi interface: one thread drives every transfer of the
/// process, so a hundred concurrent calls cost a hundred sockets, not a hundred
/// threads, and connections are reused between calls to the same host.
///
/// TLS is verified against the system CA store, or against the request's
/// ``HTTPRequest/caFile`` alone when it names one; proxies come from the environment
/// (`https_proxy`, `no_proxy`), as libcurl reads them.
///
/// ```swift
/// let response = try await CurlTransport.shared.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:8080/"))
/// ```
public final class CurlTransport: HTTPTransport {
    /// The process's transport.
    public static let shared = CurlTransport()
    /// The largest response body accepted: larger ones fail as `responseTooLarge`, or, for a
    /// request with ``HTTPRequest/maxBody``, are cut here and marked truncated.
    public static let maximumBody = 64 << 20
    /// The most header bytes a response may have, status line and every line of every
    /// response (100 Continue included) together: 64 KiB, the order of a web server's own
    /// limits. More fails the request as ``HTTPTransportError/Kind/headersTooLarge``.
    public static let maximumHeaderBytes = 64 << 10

    private let started = Mutex<CurlLoop?>(nil)

    /// A transport with its own event-loop thread, started at the first request: a process
    /// that makes no request does not pay for loading libcurl (it is opened with `dlopen`
    /// then) and initialising curl and OpenSSL.
    public init() {}

    private var loop: CurlLoop {
        started.withLock { loop in
            if let loop { return loop }
            let new = CurlLoop()
            loop = new
            return new
        }
    }

    /// Sends `request` on the loop thread and waits for the answer without holding a thread.
    ///
    /// - Throws: ``HTTPTransportError`` when no response arrived, or when the body passed
    ///   ``maximumBody`` and the request set no ``HTTPRequest/maxBody``.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = CurlTransfer(request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                transfer.continuation = continuation
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }
}

/// One request in flight. Touched by the loop thread only, after submission.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    var handle: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var status = 0
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// The most body bytes kept: the request's maxBody within the hard cap.
    let bodyLimit: Int
    /// The body passed `bodyLimit` for a request without maxBody: the transfer fails.
    var tooLarge = false
    /// The body passed the request's maxBody: the transfer stopped and answers with what it kept.
    var truncated = false
    /// Header bytes received so far, against ``CurlTransport/maximumHeaderBytes``.
    var headerBytes = 0
    /// The headers passed ``CurlTransport/maximumHeaderBytes``: the transfer fails.
    var headersTooLarge = false
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(_ request: HTTPRequest) {
        self.request = request
        bodyLimit = min(max(0, request.maxBody ?? CurlTransport.maximumBody), CurlTransport.maximumBody)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit { errorBuffer.deallocate() }

    func finish(_ result: Result<HTTPResponse, any Error>) {
        continuation?.resume(with: result)
        continuation = nil
    }
}

/// The thread that owns the multi handle. Other threads only queue work and wake it.
final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var submitted: [CurlTransfer] = []
        var cancelled: [ObjectIdentifier] = []
    }

    private let multi: UnsafeMutableRawPointer?
    /// Why there is no multi handle: libcurl could not be loaded or started.
    private let failure: String
    private let inbox = Mutex(Inbox())
    // Loop thread only.
    private var active: [ObjectIdentifier: CurlTransfer] = [:]

    init() {
        if let error = ccurl_load() {
            multi = nil
            failure = String(cString: error)
        } else {
            multi = ccurl_multi_init()
            failure = "libcurl could not start"
        }
        if let multi {
            _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64)
            // A fixed cache: curl's default (4 per transfer in flight) shrinks after a burst
            // and drops the connections the next calls would reuse.
            _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
        }
        let thread = Thread { [self] in run() }
        thread.name = "curl"
        thread.start()
    }

    func submit(_ transfer: CurlTransfer) {
        inbox.withLock { $0.submitted.append(transfer) }
        if let multi { ccurl_multi_wakeup(multi) } else {
            transfer.finish(.failure(HTTPTransportError(.setupFailed, failure)))
        }
    }

    func cancel(_ transfer: CurlTransfer) {
        inbox.withLock { $0.cancelled.append(ObjectIdentifier(transfer)) }
        if let multi { ccurl_multi_wakeup(multi) }
    }

    private func run() {
        guard let multi else { return }
        while true {
            let (submitted, cancelled) = inbox.withLock { inbox -> ([CurlTransfer], [ObjectIdentifier]) in
                defer { inbox = Inbox() }
                return (inbox.submitted, inbox.cancelled)
            }
            for transfer in submitted {
                if cancelled.contains(ObjectIdentifier(transfer)) {
                    transfer.finish(.failure(HTTPTransportError(.cancelled, "cancelled before it was sent")))
                } else {
                    start(transfer, on: multi)
                }
            }
            for id in cancelled {
                guard let transfer = active[id] else { continue }
                end(transfer, on: multi, with: .failure(HTTPTransportError(.cancelled, "cancelled")))
            }
            var running: Int32 = 0
            _ = ccurl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = ccurl_multi_info_read(multi, &left) {
                var code = CURLE_OK
                guard let easy = ccurl_done_handle(message, &code),
                    let transfer = active.values.first(where: { $0.handle == easy })
                else { continue }
                end(transfer, on: multi, with: result(code, transfer))
            }
            _ = ccurl_multi_poll(multi, 1000)
        }
    }

    private func start(_ transfer: CurlTransfer, on multi: UnsafeMutableRawPointer) {
        guard let easy = ccurl_easy_init() else {
            transfer.finish(.failure(HTTPTransportError(.setupFailed, "libcurl could not make a handle")))
            return
        }
        let request = transfer.request
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var failed = CURLE_OK
        func set(_ code: CURLcode) { if failed == CURLE_OK { failed = code } }
        set(ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        set(ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds(request.timeout)))
        set(ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(request.connectTimeout)))
        set(ccurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        set(ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer))
        set(ccurl_easy_setopt_data_fn(easy, CURLOPT_WRITEFUNCTION, curlWriteBody))
        set(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
        set(ccurl_easy_setopt_data_fn(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader))
        set(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
        if let caFile = request.caFile {
            set(ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile))
            // Debian's libcurl also trusts /etc/ssl/certs through its built-in CA path; the
            // request asked for this file alone.
            set(ccurl_easy_setopt_pointer(easy, CURLOPT_CAPATH, nil))
        }
        switch request.method {
        case "GET" where request.body.isEmpty: set(ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "HEAD": set(ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        default:
            set(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method))
            if !request.body.isEmpty || request.method != "DELETE" {
                set(ccurl_easy_setopt_size(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                // COPYPOSTFIELDS copies now, so the array need not outlive this call.
                set(request.body.withUnsafeBytes { bytes in
                    guard let base = bytes.baseAddress else { return ccurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "") }
                    return ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                })
            }
        }
        // Send exactly the signed headers: no Expect: 100-continue, no default Content-Type.
        var list: UnsafeMutablePointer<curl_slist>?
        let extra = request.headers.contains { $0.name.lowercased() == "content-type" } ? [] : ["Content-Type:"]
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] + extra {
            list = ccurl_slist_append(list, line)
        }
        transfer.headerList = list
        set(ccurl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)))
        transfer.handle = easy
        guard failed == CURLE_OK else {
            let error = error(failed, transfer)
            cleanUp(transfer)
            transfer.finish(.failure(error))
            return
        }
        let added = ccurl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            // Not in the multi handle, so no completion message would ever finish it.
            cleanUp(transfer)
            transfer.finish(.failure(HTTPTransportError(.setupFailed, "libcurl did not take the transfer: \(String(cString: ccurl_multi_strerror(added)))")))
            return
        }
        active[ObjectIdentifier(transfer)] = transfer
    }

    private func end(_ transfer: CurlTransfer, on multi: UnsafeMutableRawPointer, with result: Result<HTTPResponse, any Error>) {
        if let handle = transfer.handle { _ = ccurl_multi_remove_handle(multi, handle) }
        active[ObjectIdentifier(transfer)] = nil
        cleanUp(transfer)
        transfer.finish(result)
    }

    private func cleanUp(_ transfer: CurlTransfer) {
        if let handle = transfer.handle { ccurl_easy_cleanup(handle) }
        transfer.handle = nil
        ccurl_slist_free_all(transfer.headerList)
        transfer.headerList = nil
    }

    /// What a finished transfer answers: its response, or why there is none.
    private func result(_ code: CURLcode, _ transfer: CurlTransfer) -> Result<HTTPResponse, any Error> {
        // A body cut at maxBody stops the transfer with a write error, yet what arrived is the answer.
        guard code == CURLE_OK || (transfer.truncated && code == CURLE_WRITE_ERROR) else {
            return .failure(error(code, transfer))
        }
        var status = 0
        if let handle = transfer.handle { _ = ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status) }
        return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body, truncated: transfer.truncated))
    }

    /// The one place a CURLcode becomes an error, for a failed setup step or a failed transfer.
    private func error(_ code: CURLcode, _ transfer: CurlTransfer) -> HTTPTransportError {
        if transfer.tooLarge {
            return HTTPTransportError(.responseTooLarge, "more than \(CurlTransport.maximumBody) bytes from \(host(transfer))")
        }
        if transfer.headersTooLarge {
            return HTTPTransportError(.headersTooLarge, "more than \(CurlTransport.maximumHeaderBytes) header bytes from \(host(transfer))")
        }
        let detail = String(cString: transfer.errorBuffer)
        // libcurl reports a malformed chunk as a receive error; only its text tells them apart.
        if code == CURLE_RECV_ERROR && detail.contains("chunked-encoding") {
            return HTTPTransportError(.badChunkedEncoding, "\(host(transfer)): \(detail)")
        }
        let text = "\(host(transfer)): " + (detail.isEmpty ? String(cString: ccurl_easy_strerror(code)) : detail)
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return HTTPTransportError(.timedOut, text)
        case CURLE_COULDNT_CONNECT: return HTTPTransportError(.connectionRefused, text)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return HTTPTransportError(.nameNotResolved, text)
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return HTTPTransportError(.connectionReset, text)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION:
            return HTTPTransportError(.tls, text)
        case CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_UNKNOWN_OPTION, CURLE_NOT_BUILT_IN,
             CURLE_BAD_FUNCTION_ARGUMENT, CURLE_FAILED_INIT:
            return HTTPTransportError(.setupFailed, text)
        default: return HTTPTransportError(.other, text)
        }
    }

    private func host(_ transfer: CurlTransfer) -> String {
        URLComponents(string: transfer.request.url)?.host ?? "the server"
    }
}

/// Whole milliseconds for curl, at least 1, clamped to a day: a longer timeout is no timeout
/// for an HTTP exchange, and an unbounded one would overflow the multiplication.
private func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    let day: Int64 = 86_400
    guard seconds < day else { return Int(day * 1000) }
    return max(1, Int(max(seconds, 0)) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
}

private let curlWriteBody: ccurl_data_fn = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let room = transfer.bodyLimit - transfer.body.count
    let kept = min(length, room)
    data.withMemoryRebound(to: UInt8.self, capacity: length) {
        transfer.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: kept))
    }
    guard kept == length else {
        // Answering fewer bytes than given makes curl stop reading and end the transfer.
        if transfer.request.maxBody == nil { transfer.tooLarge = true } else { transfer.truncated = true }
        return 0
    }
    return length
}

private let curlWriteHeader: ccurl_data_fn = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    transfer.headerBytes += length
    guard transfer.headerBytes <= CurlTransport.maximumHeaderBytes else {
        transfer.headersTooLarge = true
        return 0
    }
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }.trimmingCharacters(in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
        transfer.headers = []  // a new response (after 100 Continue or a redirect) starts over
    } else if let colon = line.firstIndex(of: ":") {
        let name = String(line[..<colon])
        let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
        transfer.headers.append((name, value))
    }
    return length
}

import Foundation
import Hummingbird
import RunbookEngine

/// The event routes' common path: authentication, content type, body cap, parsing, and the
/// hand-off to the pool, answered before any run starts.
struct EventIntake: Sendable {
    let settings: EventServerSettings
    let pool: RunPool
    let metrics: ServerMetrics
    let limiter: RateLimiter?

    /// `POST /v1/events/eventbridge` and `/v1/events/alertmanager`: bearer token, JSON, events of
    /// `source`; `route` names the route's sender for the rate limit.
    func bearerRoute(_ request: Request, route: String, source: AlarmSource) async throws -> Response {
        guard settings.token.authorizes(request.headers[.authorization]) else { return Self.unauthorized() }
        if let refusal = throttle(route) { return refusal }
        if let refusal = checkContentType(request, accepting: ["application/json"]) { return refusal }
        let body = try await readBody(request)
        let events: [AlarmEvent]
        do {
            events = try AlarmEvents.parse(body.readableBytesView)
        } catch let error as AlarmEventError {
            return errorResponse(.badRequest, "malformed event: \(error)", field: error.field)
        }
        // Another system's payload on this route is a misconfigured sender, better told than routed.
        guard events.allSatisfy({ $0.source == source }) else {
            return errorResponse(.badRequest, "/v1/events/\(route) takes \(source.rawValue) alarms only")
        }
        return await hand(events, body: body)
    }

    /// Queues each event, or with `forward` sends the body on to the workers' queue; 202 with their ids when all were taken, else 503 with those that were,
    /// each refused one journaled as such.
    func hand(_ events: [AlarmEvent], body: ByteBuffer) async -> Response {
        var accepted: [String] = []
        var refused: [String] = []
        if let forward = settings.forward {
            // One message for the whole body: a worker decides an Alertmanager group's alerts as one delivery.
            do {
                try await forward.send(body: body.readableBytesView)
                accepted = events.map(\.id)
            } catch {
                for event in events { await pool.refuse(event, reason: "cannot forward to the workers' queue: \(error)") }
                refused = events.map(\.id)
            }
        }
        for event in events where settings.forward == nil {
            if let reason = pool.submit(event) {
                await pool.refuse(event, reason: reason)
                refused.append(event.id)
            } else {
                accepted.append(event.id)
            }
        }
        struct Body: Encodable {
            let accepted: Int
            let events: [String]
            let refused: [String]?
        }
        guard refused.isEmpty else {
            return jsonResponse(.serviceUnavailable, Body(accepted: accepted.count, events: accepted, refused: refused), headers: [.retryAfter: "1"])
        }
        return jsonResponse(.accepted, Body(accepted: accepted.count, events: accepted, refused: nil))
    }

    /// 413 from the declared length alone, before reading any of it; a body without a length is
    /// read only up to the cap.
    func readBody(_ request: Request) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > AlarmEvents.maximumBytes {
            throw HTTPError(.contentTooLarge, message: "the body is \(length) bytes, more than \(AlarmEvents.maximumBytes)")
        }
        return try await request.body.collect(upTo: AlarmEvents.maximumBytes)
    }

    /// 415 unless the media type (parameters aside) is one of `accepted`.
    func checkContentType(_ request: Request, accepting accepted: Set<String>) -> Response? {
        let value = request.headers[.contentType] ?? ""
        let media = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard accepted.contains(media) else {
            return errorResponse(.unsupportedMediaType, "Content-Type must be \(accepted.sorted().joined(separator: " or ")), not \(excerpt(value))")
        }
        return nil
    }

    /// 429 with Retry-After when `source` is over its rate.
    func throttle(_ source: String) -> Response? {
        guard let limiter, let wait = limiter.take(source) else { return nil }
        metrics.throttled(source: source)
        return errorResponse(.tooManyRequests, "more than \(limiter.rate) events a second from \(source)",
                             headers: [.retryAfter: String(max(1, Int(wait.rounded(.up))))])
    }

    static func unauthorized() -> Response {
        errorResponse(.unauthorized, "a bearer token is required", headers: [.wwwAuthenticate: #"Bearer realm="runbook""#])
    }
}

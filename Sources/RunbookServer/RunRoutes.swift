import Foundation
import Hummingbird
import RunbookEngine

/// `GET /v1/runs` and `GET /v1/runs/{id}`: what the decisions were, from the store's index and
/// the journals. Behind the bearer token, since journals hold parameters and findings.
struct RunRoutes: Sendable {
    let settings: EventServerSettings
    let store: any GuardrailStore

    /// The latest decisions, newest first; `?limit=N` (1 to 1000, default 50).
    func list(_ request: Request) async -> Response {
        guard settings.token.authorizes(request.headers[.authorization]) else { return EventIntake.unauthorized() }
        let asked = request.uri.queryParameters.get("limit")
        guard let limit = asked.map({ Int($0) }) ?? 50, (1...1000).contains(limit) else {
            return errorResponse(.badRequest, "limit must be a whole number from 1 to 1000")
        }
        struct Entry: Encodable {
            let id: String
            let time: String
            let source: String
            let event_id: String
            let runbook: String?
            let target: String?
            let outcome: String
            let reason: String
        }
        do {
            let entries = try await store.decisions(limit: limit).map {
                Entry(id: $0.id, time: $0.time.formatted(.iso8601), source: $0.source, event_id: $0.eventID, runbook: $0.runbook,
                      target: $0.target, outcome: $0.outcome, reason: $0.reason)
            }
            return jsonResponse(.ok, entries)
        } catch {
            return errorResponse(.serviceUnavailable, "the decisions cannot be read: \(error)")
        }
    }

    /// The journal of one decision, its lines as a JSON array.
    func journal(_ request: Request, id: String?) async -> Response {
        guard settings.token.authorizes(request.headers[.authorization]) else { return EventIntake.unauthorized() }
        // Only a run id's exact shape names a file, so no path reaches outside the journal folder.
        guard let id, Self.isRunID(id) else {
            return errorResponse(.badRequest, "a run id looks like 20261202T101500.123Z-0a1b2c")
        }
        let events: [JournalEvent]
        do {
            events = try JournalFile.read(path: "\(settings.journalDirectory)/\(id).jsonl")
        } catch {
            return errorResponse(.notFound, "no journal for run \(id)")
        }
        return jsonResponse(.ok, events)
    }

    /// `YYYYMMDDTHHMMSS.mmmZ-xxxxxx`, as ``RunID/make()`` writes it.
    static func isRunID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 27 else { return false }
        let digit: (UInt8) -> Bool = { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        let hex: (UInt8) -> Bool = { digit($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        let shape = "DDDDDDDDTDDDDDD.DDDZ-XXXXXX"
        return zip(bytes, shape.utf8).allSatisfy { byte, kind in
            switch kind {
            case UInt8(ascii: "D"): digit(byte)
            case UInt8(ascii: "X"): hex(byte)
            default: byte == kind
            }
        }
    }
}

import Foundation
import HTTPClient
import Hummingbird
import Logging
import RunbookEngine

/// `POST /v1/events/sns`: an SNS HTTP(S) subscription. Trust comes from the message's signature,
/// checked against SNS's certificate, and from its topic being one the operator named; the
/// signature alone proves only that some topic of some account sent it.
struct SNSRoute: Sendable {
    let intake: EventIntake
    let logger: Logger

    func handle(_ request: Request) async throws -> Response {
        let settings = intake.settings
        if let refusal = intake.throttle("sns") { return refusal }
        // SNS posts text/plain; charset=UTF-8 whatever the body holds.
        if let refusal = intake.checkContentType(request, accepting: ["text/plain", "application/json"]) { return refusal }
        let body = try await intake.readBody(request)
        let bytes = body.readableBytesView
        let message: SNSMessage
        do throws(SNSSignatureError) {
            message = try SNSMessage(envelope: bytes)
            try await message.verify(using: settings.snsCertificates)
        } catch {
            logger.warning("sns message refused", metadata: ["reason": "\(UntrustedText.terminal(error.message))"])
            switch error.kind {
            case .malformed: return errorResponse(.badRequest, "malformed SNS message: \(error.message)")
            case .refused: return errorResponse(.forbidden, "SNS signature refused: \(error.message)")
            // SNS retries a delivery that failed, by which time the certificate may be had.
            case .certificateUnavailable: return errorResponse(.serviceUnavailable, "SNS certificate unavailable: \(error.message)", headers: [.retryAfter: "30"])
            }
        }
        guard settings.snsTopics.contains(message.topicArn) else {
            logger.warning("sns message from a topic not named by --sns-topic refused", metadata: [
                "type": "\(message.type.rawValue)", "topic": "\(UntrustedText.terminal(message.topicArn))",
                "message_id": "\(UntrustedText.terminal(message.messageId))",
            ])
            return errorResponse(.forbidden, "topic \(excerpt(message.topicArn)) is not one this server takes (--sns-topic)")
        }
        switch message.type {
        case .notification:
            do {
                return await intake.hand(try AlarmEvents.parse(bytes), body: body)
            } catch let error as AlarmEventError {
                return errorResponse(.badRequest, "malformed event: \(error)", field: error.field)
            }
        case .subscriptionConfirmation:
            return await confirm(message)
        case .unsubscribeConfirmation:
            logger.notice("sns subscription ended", metadata: ["topic": "\(UntrustedText.terminal(message.topicArn))"])
            return jsonResponse(.ok, ["unsubscribed": message.topicArn])
        }
    }

    /// Visits the SubscribeURL, which must be SNS's own (or, in tests, the stand-in that replaces it).
    private func confirm(_ message: SNSMessage) async -> Response {
        let url: SNSSubscribeURL
        do throws(SNSSignatureError) {
            url = try SNSSubscribeURL(message.subscribeURL ?? "")
        } catch {
            logger.warning("sns subscription refused", metadata: ["reason": "\(UntrustedText.terminal(error.message))"])
            return errorResponse(.forbidden, error.message)
        }
        let target = (intake.settings.snsEndpointOverride ?? url.origin) + url.pathAndQuery
        let topic = ["topic": Logger.MetadataValue.string(UntrustedText.terminal(message.topicArn))]
        do {
            let answer = try await CurlTransport.shared.send(HTTPClient.HTTPRequest(method: "GET", url: target, timeout: .seconds(10), maxBody: 64 << 10))
            guard answer.status == 200 else {
                logger.error("sns subscription not confirmed", metadata: topic.merging(["status": "\(answer.status)"]) { $1 })
                return errorResponse(.badGateway, "SNS answered the confirmation with HTTP \(answer.status)")
            }
        } catch {
            logger.error("sns subscription not confirmed", metadata: topic.merging(["error": "\(error)"]) { $1 })
            return errorResponse(.badGateway, "the confirmation could not be sent: \(error)")
        }
        logger.notice("sns subscription confirmed", metadata: topic)
        return jsonResponse(.ok, ["confirmed": message.topicArn])
    }
}

import Foundation
import Hummingbird
public import Logging
public import RunbookEngine

/// `runbook serve`'s HTTP server: the event routes, the run listing, health and metrics, in front
/// of a ``RunPool``.
public enum EventServer {
    /// Serves until SIGTERM or SIGINT. `pool` runs beside the listener and stops after it: the
    /// listener stops taking requests first, then the pool winds down its runs.
    ///
    /// - Parameter onListening: called with `HOST:PORT` once the port is bound.
    public static func run(settings: EventServerSettings, pool: RunPool, store: any GuardrailStore, metrics: ServerMetrics, logger: Logger,
                           onListening: @escaping @Sendable (String) -> Void) async throws {
        let intake = EventIntake(settings: settings, pool: pool, metrics: metrics, limiter: settings.rate.map(RateLimiter.init(rate:)))
        let sns = SNSRoute(intake: intake, logger: logger)
        let runs = RunRoutes(settings: settings, store: store)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLog(logger: logger))
        router.post("/v1/events/eventbridge") { request, _ in try await intake.bearerRoute(request, route: "eventbridge", source: .cloudwatch) }
        router.post("/v1/events/alertmanager") { request, _ in try await intake.bearerRoute(request, route: "alertmanager", source: .alertmanager) }
        router.post("/v1/events/sns") { request, _ in try await sns.handle(request) }
        router.get("/v1/runs") { request, _ in await runs.list(request) }
        router.get("/v1/runs/{id}") { request, context in await runs.journal(request, id: context.parameters.get("id")) }
        router.get("/healthz") { _, _ in jsonResponse(.ok, ["status": "ok"]) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.prometheusText())))
        }
        var app = Application(
            router: router, server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(settings.idleTimeout.components.seconds * 1000)))),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "runbook"),
            onServerRunning: { channel in
                onListening("\(settings.host):\(channel.localAddress?.port ?? settings.port)")
            },
            logger: logger)
        app.addServices(pool)
        try await app.runService()  // SIGTERM and SIGINT start the graceful shutdown.
    }
}

/// One log line per request: method, path, status and time taken; never a header, so never the token.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func line(_ status: HTTPResponse.Status) {
            logger.info("request", metadata: [
                "method": "\(request.method)", "path": "\(UntrustedText.terminal(request.uri.path))", "status": "\(status.code)",
                "ms": "\(Int((ContinuousClock.now - start).seconds * 1000))",
            ])
        }
        do {
            let response = try await next(request, context)
            line(response.status)
            return response
        } catch let error as any HTTPResponseError {
            line(error.status)
            throw error
        }
    }
}

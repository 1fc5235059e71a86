import ArgumentParser
import Foundation
import Logging
import RunbookEngine
import RunbookServer

extension RunbookCLI {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Take alarm events over HTTP and start their runbooks, under the guardrails of automated runs.",
            discussion: """
                POST /v1/events/eventbridge and /v1/events/alertmanager take events with the bearer token of
                --token-file; POST /v1/events/sns takes an SNS HTTP(S) subscription's messages, trusted by their
                signature and their topic (--sns-topic), and confirms subscriptions to those topics. Each event is
                answered 202 once queued, before its run starts; a full queue answers 503 and journals the refusal.
                GET /v1/runs lists the latest decisions and GET /v1/runs/{id} gives one journal (both with the
                token); GET /healthz and GET /metrics (Prometheus) need none.

                Each event is decided as `runbook trigger` decides it: routing, approval in runbooks.lock, the
                guardrails of the state store, a dry run unless the runbook declares automation.live = true and
                --live is given. SIGTERM or SIGINT stops taking requests, lets runs finish for --grace seconds,
                cancels the rest (their journals closed) and exits 0.
                """)

        @OptionGroup var global: GlobalOptions

        @OptionGroup var state: StateOptions

        @OptionGroup var automation: AutomationOptions

        @OptionGroup(title: "AWS options") var aws: AWSOptions

        @Option(help: ArgumentHelp("The address to listen on; port 0 picks a free one.", valueName: "host:port"))
        var listen: String

        @Option(help: ArgumentHelp("A file holding the bearer token callers present.", valueName: "path"))
        var tokenFile: String

        @Option(name: .customLong("sns-topic"), help: ArgumentHelp("An SNS topic ARN whose messages are taken and subscriptions confirmed (repeatable).", valueName: "arn"))
        var snsTopics: [String] = []

        @Option(help: "The most runs at once.")
        var maxRuns = 4

        @Option(help: "The most accepted events waiting for a run; past it, 503.")
        var queueDepth = 1000

        @OptionGroup var stopping: GraceOption

        @Option(help: ArgumentHelp("Close a connection that sends nothing for this long.", valueName: "seconds"))
        var idleTimeout = 30

        @Option(help: ArgumentHelp("Events a second each sender route may post (429 past it); 0 for no limit.", valueName: "n"))
        var rate = 0.0

        @Option(help: ArgumentHelp("Run nothing here: send each authenticated event, as received, to this SQS queue for `runbook worker`s.",
                                   valueName: "queue-url"))
        var forward: String?

        @Option(name: .customLong("sns-cert-file"), help: ArgumentHelp("Test only: read the SNS certificate of URL from PATH.", valueName: "url=path", visibility: .hidden))
        var snsCertFiles: [String] = []

        @Option(name: .customLong("sns-endpoint-override"), help: ArgumentHelp("Test only: confirm subscriptions at this URL instead of SNS.", valueName: "url", visibility: .hidden))
        var snsEndpointOverride: String?

        func validate() throws {
            guard (1...256).contains(maxRuns) else { throw ValidationError("--max-runs must be from 1 to 256") }
            guard (1...1_000_000).contains(queueDepth) else { throw ValidationError("--queue-depth must be from 1 to 1000000") }
            guard rate.isFinite, rate >= 0 else { throw ValidationError("--rate must be 0 or more") }
            guard (1...3600).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be from 1 to 3600 seconds") }
            _ = try address()
        }

        /// `HOST:PORT`, the host possibly a bracketed IPv6 address.
        private func address() throws -> (host: String, port: Int) {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
                throw ValidationError("--listen must be HOST:PORT, not \(listen)")
            }
            var host = String(listen[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw ValidationError("--listen must name a host: 127.0.0.1:\(port) or 0.0.0.0:\(port)") }
            return (host, port)
        }

        private func certificates() throws -> SNSCertificateCache {
            guard !snsCertFiles.isEmpty else { return SNSCertificateCache(fetcher: SNSHTTPCertificateFetcher()) }
            var files: [SNSSigningCertURL: String] = [:]
            for entry in snsCertFiles {
                guard let equals = entry.firstIndex(of: "=") else { throw ValidationError("--sns-cert-file must be URL=PATH") }
                do {
                    files[try SNSSigningCertURL(String(entry[..<equals]))] = String(entry[entry.index(after: equals)...])
                } catch {
                    throw ValidationError("--sns-cert-file: \(error)")
                }
            }
            return SNSCertificateCache(fetcher: SNSCertificateFiles(files))
        }

        func run() async throws {
            let catalog = try global.catalog(aws: aws)
            // A thin ingest in front of workers routes nothing, so it needs no runbooks.
            let runbooks = forward == nil ? try automation.runbooks(catalog, global: global) : []
            let (host, port) = try address()
            let token: BearerToken
            do { token = try BearerToken(file: tokenFile) } catch { throw fail(RunbookError(.invalid, "\(error)")) }
            let forwardQueue: SQSQueue?
            do { forwardQueue = try forward.map { try SQSQueue(url: $0, aws: aws.settings) } } catch { throw fail(error) }

            let store = try await state.open(aws: aws.settings)
            let dispatcher = try await automation.dispatcher(runbooks, engine: catalog.engine, store: store, global: global)

            var settings = EventServerSettings(host: host, port: port, token: token, snsCertificates: try certificates(),
                                               journalDirectory: journalDirectory())
            settings.forward = forwardQueue
            settings.snsTopics = Set(snsTopics)
            settings.snsEndpointOverride = snsEndpointOverride
            settings.rate = rate > 0 ? rate : nil
            settings.idleTimeout = .seconds(idleTimeout)

            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            let logger = Logger(label: "runbook.serve")
            let metrics = ServerMetrics()
            let pool = RunPool(dispatcher: dispatcher, maxRuns: maxRuns, queueDepth: queueDepth, grace: stopping.duration,
                               metrics: metrics, logger: logger)
            do {
                try await EventServer.run(settings: settings, pool: pool, store: store, metrics: metrics, logger: logger) { address in
                    standardOutput("listening on http://\(address)\n")
                }
            } catch { throw fail(error) }
        }
    }
}

public import AWSKit
import HTTPClient
import Foundation
import Synchronization

/// What a command says about AWS, as the AWS CLI takes it: its own options and the
/// environment. The engine resolves and checks them when it is made.
public struct AWSSettings: Sendable {
    /// `--region`; it beats every other source.
    public var region: String?
    /// `--profile`; it beats `AWS_PROFILE`.
    public var profile: String?
    /// `--endpoint-url`: every service's calls go there, as in the AWS CLI.
    public var endpointURL: String?
    /// The environment AWS settings are read from (the process's, for the CLI).
    public var environment: [String: String]
    /// Where credentials come from; nil for the AWS CLI's chain (tests give fixed ones).
    public var credentials: (@Sendable () async throws -> AWSCredentials)?

    /// Settings with the given parts; nothing is read until an engine is made.
    public init(
        region: String? = nil, profile: String? = nil, endpointURL: String? = nil, environment: [String: String] = [:],
        credentials: (@Sendable () async throws -> AWSCredentials)? = nil
    ) {
        self.region = region
        self.profile = profile
        self.endpointURL = endpointURL
        self.environment = environment
        self.credentials = credentials
    }
}

/// AWS settings checked once, when an engine is made: the region, every configured
/// endpoint of every module's service, and the credential chain (asked at the first call).
///
/// A setting that is present but wrong (a malformed endpoint or region, a broken config
/// file, an unknown profile) is an error here, before any runbook runs, so no call can
/// fall back to another endpoint. A setting that is absent (no region, no credentials) is
/// an error only at the first AWS call, so runbooks that use no AWS need none.
final class ResolvedAWS: Sendable {
    let region: String?
    let credentials: @Sendable () async throws -> AWSCredentials
    let transport: (any HTTPTransport)?
    /// The settings endpoints of model-driven services (`aws.<client>`) are resolved from, at
    /// their first call: which services a run uses is known only then, and resolving needs the
    /// model, which is loaded only then.
    private let configuration: AWSConfiguration
    private let explicitEndpoint: String?
    /// One client per model-driven service, so its calls share one retry quota.
    private let modelClients = Mutex<[String: AWSServiceClient]>([:])

    init(_ settings: AWSSettings, services: Set<AWSService>, transport: (any HTTPTransport)?) throws(RunbookError) {
        let configuration: AWSConfiguration
        do {
            configuration = try AWSConfiguration(environment: settings.environment, profile: settings.profile)
            region = try configuration.regionSetting(explicit: settings.region)?.region
            // Checked now for the modules' own services; their clients resolve them again at the first call.
            for service in services {
                _ = try configuration.configuredEndpoint(for: service, explicit: settings.endpointURL)
            }
            self.configuration = configuration
            explicitEndpoint = settings.endpointURL
        } catch {
            throw RunbookError(.invalid, "AWS settings: \(error)",
                               hint: "fix the file or setting named; runbook never falls back to another endpoint, region or profile")
        }
        self.transport = transport
        if let given = settings.credentials {
            credentials = given
        } else {
            let cache = AWSCredentialsCache(chain: AWSCredentialChain(configuration: configuration, region: region))
            credentials = {
                do {
                    return try await cache.credentials()
                } catch {
                    // No credentials is a configuration problem (exit 2), not a failed runbook.
                    throw PrimitiveConfigurationError("\(error)")
                }
            }
        }
    }
}

extension ResolvedAWS {
    /// A client for the service `model` describes, made at its first call and kept: the
    /// configured endpoint (as for every service), else the model's global endpoint
    /// (`sts.amazonaws.com`, `route53.amazonaws.com`, signed for us-east-1), else the region's.
    ///
    /// - Throws: ``PrimitiveConfigurationError`` when no region is set anywhere or a configured
    ///   endpoint is not a URL; it never falls back to another endpoint.
    func client(model: AWSServiceModel) throws -> AWSServiceClient {
        if let client = modelClients.withLock({ $0[model.service] }) { return client }
        guard let region else {
            throw PrimitiveConfigurationError("no AWS region: set AWS_REGION or a profile region, or pass --region")
        }
        let service = AWSService(serviceID: model.metadata.serviceId, endpointPrefix: model.metadata.endpointPrefix,
                                 signingName: model.metadata.signingService)
        var signingRegion = region
        let endpoint: URL
        do {
            if let configured = try configuration.configuredEndpoint(for: service, explicit: explicitEndpoint) {
                endpoint = configured
            } else if let global = model.metadata.globalEndpoint, !region.hasPrefix("cn-"),
                      let url = URL(string: "https://\(global)") {
                endpoint = url
                signingRegion = "us-east-1"
            } else {
                endpoint = try service.defaultEndpoint(region: region)
            }
        } catch {
            throw PrimitiveConfigurationError("\(error)")
        }
        let client = AWSServiceClient(model: model, region: signingRegion, endpoint: endpoint,
                                      transport: transport ?? CurlTransport.shared, credentials: credentials)
        return modelClients.withLock { clients in
            if let existing = clients[model.service] { return existing }
            clients[model.service] = client
            return client
        }
    }
}

import Foundation
public import HTTPClient

/// Finds credentials the way the AWS CLI (botocore) does, trying each source in turn.
///
/// The order: environment (`AWS_ACCESS_KEY_ID`, skipped when the profile was passed
/// explicitly), assume-role profile, web identity, shared credentials file, `credential_process`,
/// config-file keys, container endpoint, instance metadata. A source that is not configured
/// is passed over; one that is configured but fails stops the search with its error. When no
/// source has credentials the error names each one tried, in order. No message ever holds a
/// secret key, a session token or a web identity token.
///
/// ```swift
/// let chain = AWSCredentialChain(configuration: configuration, region: region)
/// let cache = AWSCredentialsCache(chain: chain)
/// try SigV4Signer(service: "kafka", region: region).sign(&request, credentials: try await cache.credentials(), date: Date())
/// ```
public struct AWSCredentialChain: Sendable {
    var context: CredentialContext

    /// Makes a chain over `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: the environment, files and profile.
    ///   - region: the region from `--region`, for STS calls; otherwise the configured region,
    ///     or `us-east-1` when there is none.
    ///   - transport: how STS, container and instance-metadata requests go out.
    public init(configuration: AWSConfiguration, region: String? = nil, transport: any HTTPTransport = CurlTransport.shared) {
        context = CredentialContext(
            configuration: configuration, transport: transport, region: try? configuration.region(explicit: region))
    }

    /// The providers in botocore's order.
    var providers: [any CredentialProvider] {
        let configuration = context.configuration
        var providers: [any CredentialProvider] = []
        if !configuration.profileIsExplicit {
            providers.append(EnvironmentCredentialProvider(configuration: configuration))
        }
        providers += [
            AssumeRoleCredentialProvider(context: context),
            WebIdentityCredentialProvider(context: context, usesEnvironment: !configuration.profileIsExplicit),
            ProfileKeysCredentialProvider(configuration: configuration, file: .credentials),
            ProcessCredentialProvider(configuration: configuration),
            ProfileKeysCredentialProvider(configuration: configuration, file: .config),
            ContainerCredentialProvider(context: context),
            InstanceMetadataCredentialProvider(context: context),
        ]
        return providers
    }

    /// Tries each source in order and returns the first credentials found.
    ///
    /// - Throws: `AWSError.noCredentials(tried:)` when no source has any; the error of the
    ///   first configured source that fails (a process exiting non-zero, STS refusing, a
    ///   container endpoint answering 401); `AWSError.invalidCredentialConfiguration` for
    ///   contradictory or incomplete settings.
    public func resolve() async throws(AWSError) -> ResolvedCredentials {
        var tried: [String] = []
        if context.configuration.profileIsExplicit {
            tried.append("\(EnvironmentCredentialProvider.name) (skipped: the profile was given explicitly)")
        }
        for provider in providers {
            switch try await provider.load() {
            case .found(let credentials): return credentials
            case .notFound(let note): tried.append(note)
            }
        }
        throw .noCredentials(tried: tried)
    }
}

import ArgumentParser
import AWSKit
import Foundation
import RunbookEngine

/// The AWS CLI's own options, with its meaning: they win over the environment and profile.
struct AWSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region).", valueName: "region"))
    var region: String?

    @Option(help: ArgumentHelp("The AWS profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE, else default).", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Send every AWS call to this URL (a local endpoint such as moto).", valueName: "url"))
    var endpointURL: String?

    /// The engine's AWS settings. Problems (a missing profile, no region, no credentials)
    /// surface at the first AWS call, so runbooks that use no AWS run without any.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) -> AWSSettings {
        let configuration: AWSConfiguration
        do {
            configuration = try AWSConfiguration(environment: environment, profile: profile)
        } catch {
            let message = error.description
            return AWSSettings(region: nil) { throw PrimitiveConfigurationError(message) }
        }
        let region = try? configuration.region(explicit: region)
        var endpoints: [String: URL] = [:]
        if let region {
            for (name, service) in [("kafka", AWSService.kafka), ("cloudwatch", AWSService.cloudWatch)] {
                endpoints[name] = try? configuration.endpoint(for: service, region: region, explicit: endpointURL)
            }
        }
        let cache = AWSCredentialsCache(chain: AWSCredentialChain(configuration: configuration, region: region))
        return AWSSettings(region: region, endpoints: endpoints) {
            do {
                return try await cache.credentials()
            } catch {
                // No credentials is a configuration problem (exit 2), not a failed runbook.
                throw PrimitiveConfigurationError("\(error)")
            }
        }
    }
}

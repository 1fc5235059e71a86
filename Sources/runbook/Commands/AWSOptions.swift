import ArgumentParser
import Foundation
import RunbookEngine

/// The AWS CLI's own options, with its meaning: they win over the environment and profile.
struct AWSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region).", valueName: "region"))
    var region: String?

    @Option(help: ArgumentHelp("The AWS profile from ~/.aws/config and ~/.aws/credentials (default: AWS_PROFILE, else default).", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Send every AWS call, of every service, to this URL (a local endpoint such as moto).", valueName: "url"))
    var endpointURL: String?

    /// The settings as given; the engine reads the environment and files and checks them.
    var settings: AWSSettings {
        AWSSettings(region: region, profile: profile, endpointURL: endpointURL, environment: ProcessInfo.processInfo.environment)
    }
}

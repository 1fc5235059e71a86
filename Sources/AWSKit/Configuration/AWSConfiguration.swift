import Foundation

/// The AWS CLI's settings for one run: the environment, the shared files and the chosen profile.
///
/// Everything is read from the `environment` given, never from the process, so tests and
/// callers decide what the SDK sees:
///
/// ```swift
/// let configuration = try AWSConfiguration(environment: ProcessInfo.processInfo.environment, profile: options.profile)
/// let region = try configuration.region(explicit: options.region)
/// let endpoint = try configuration.endpoint(for: .kafka, region: region)
/// ```
///
/// The profile is `profile` (`--profile`), else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else
/// `default`. The config file is `AWS_CONFIG_FILE` or `~/.aws/config`, with `[default]` and
/// `[profile NAME]` sections; the credentials file is `AWS_SHARED_CREDENTIALS_FILE` or
/// `~/.aws/credentials`, with `[NAME]` sections. A profile's settings are its config-file
/// section overlaid by its credentials-file section, as in botocore.
public struct AWSConfiguration: Sendable {
    /// The environment variables everything is read from.
    public let environment: [String: String]
    /// The selected profile's name.
    public let profile: String
    /// Whether the profile was passed explicitly (`--profile`), which turns off the
    /// `AWS_ACCESS_KEY_ID` credentials as botocore does.
    public let profileIsExplicit: Bool
    /// The config file's path, whether or not it exists.
    public let configFilePath: String
    /// The credentials file's path, whether or not it exists.
    public let credentialsFilePath: String

    let configFile: ConfigFile
    let credentialsFile: ConfigFile

    /// Reads the shared files and selects the profile.
    ///
    /// - Parameters:
    ///   - environment: the environment variables, such as `ProcessInfo.processInfo.environment`.
    ///   - homeDirectory: where `~` points; defaults to `HOME` from `environment`.
    ///   - profile: the profile from `--profile`; it beats `AWS_PROFILE`.
    /// - Throws: `AWSError.configFileSyntax` for a malformed file, and
    ///   `AWSError.profileNotFound` when a profile named by `profile` or the environment is in neither file.
    public init(environment: [String: String], homeDirectory: String? = nil, profile: String? = nil) throws(AWSError) {
        let home = homeDirectory ?? environment["HOME"] ?? NSHomeDirectory()
        func path(_ variable: String, _ fallback: String) -> String {
            let value = environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            if value == "~" { return home }
            if value.hasPrefix("~/") { return home + value.dropFirst() }
            return value
        }
        self.environment = environment
        configFilePath = path("AWS_CONFIG_FILE", "~/.aws/config")
        credentialsFilePath = path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
        configFile = try ConfigFile.load(path: configFilePath)
        credentialsFile = try ConfigFile.load(path: credentialsFilePath)
        let explicit = profile.flatMap { $0.isEmpty ? nil : $0 }
        let fromEnvironment = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"].lazy
            .compactMap { environment[$0] }.first { !$0.isEmpty }
        self.profile = explicit ?? fromEnvironment ?? "default"
        profileIsExplicit = explicit != nil
        if explicit != nil || fromEnvironment != nil, !hasProfile(self.profile) {
            throw .profileNotFound(name: self.profile)
        }
    }

    /// Whether either file has a section for profile `name`.
    func hasProfile(_ name: String) -> Bool {
        configFile.namedSections("profile")[name] != nil || credentialsFile.section(name) != nil
    }

    /// Profile `name`'s settings: the config file's section overlaid by the credentials file's.
    func settings(ofProfile name: String) -> [String: ConfigFile.Value] {
        var merged = configFile.namedSections("profile")[name] ?? [:]
        merged.merge(credentialsFile.section(name) ?? [:]) { $1 }
        return merged
    }

    /// A plain string setting of profile `name` (the selected one by default); empty counts as unset.
    func setting(_ key: String, profile name: String? = nil) -> String? {
        settings(ofProfile: name ?? profile)[key]?.string.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An environment variable, with an empty value counting as unset.
    func variable(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether environment variable `name` (or else profile setting `key`) is `true`, ignoring case.
    func flag(_ name: String, setting key: String? = nil) -> Bool {
        let value = variable(name) ?? key.flatMap { setting($0) }
        return value?.lowercased() == "true"
    }

    /// The region: `explicit` (`--region`), else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`.
    ///
    /// botocore itself reads only `AWS_DEFAULT_REGION` and the profile; `AWS_REGION` is what the
    /// other AWS SDKs read, and it comes first here.
    ///
    /// - Parameter explicit: the region from `--region`, if any.
    /// - Throws: `AWSError.missingRegion` when none is set, `AWSError.invalidRegion` for one that
    ///   is not a host-name label (letters, digits and `-`).
    public func region(explicit: String? = nil) throws(AWSError) -> String {
        guard let found = try regionSetting(explicit: explicit) else { throw .missingRegion }
        return found.region
    }

    /// The region and the setting it came from (`--region`, `AWS_REGION`, `region of profile x`),
    /// or nil when no setting names one.
    ///
    /// - Throws: `AWSError.invalidRegion` naming the setting, for a value that is not a region name.
    public func regionSetting(explicit: String? = nil) throws(AWSError) -> (region: String, source: String)? {
        let candidates: [(String?, String)] = [
            (explicit, "--region"), (variable("AWS_REGION"), "AWS_REGION"), (variable("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"),
            (setting("region"), "region of profile \(profile) in \(configFilePath)"),
        ]
        guard let (region, source) = candidates.lazy.compactMap({ value, source in value.map { ($0, source) } })
            .first(where: { !$0.0.isEmpty })
        else { return nil }
        let allowed = region.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "-") || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
        }
        guard allowed else { throw .invalidRegion(source: source) }
        return (region, source)
    }
}

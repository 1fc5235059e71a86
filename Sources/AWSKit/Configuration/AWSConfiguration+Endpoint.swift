public import Foundation

extension AWSConfiguration {
    /// The endpoint for `service` in `region`, resolved as the AWS CLI does.
    ///
    /// In order: `explicit` (`--endpoint-url`); `AWS_ENDPOINT_URL_<SERVICE>` (such as
    /// `AWS_ENDPOINT_URL_CLOUDWATCH`); `AWS_ENDPOINT_URL`; the `<service> = endpoint_url = ...`
    /// entry of the `[services NAME]` section the profile names with `services = NAME`; the
    /// profile's `endpoint_url`; and last `https://<prefix>.<region>.amazonaws.com`
    /// (`.amazonaws.com.cn` in China). `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` (or the
    /// profile's `ignore_configured_endpoint_urls = true`) skips every configured endpoint
    /// except `explicit`.
    ///
    /// - Parameters:
    ///   - service: the service.
    ///   - region: the region, for the default endpoint.
    ///   - explicit: the URL from `--endpoint-url`, if any.
    /// - Returns: an absolute `http` or `https` URL.
    /// - Throws: `AWSError.invalidEndpointURL` when the chosen URL is not one, naming where it came from.
    public func endpoint(for service: AWSService, region: String, explicit: String? = nil) throws(AWSError) -> URL {
        if let configured = try configuredEndpoint(for: service, explicit: explicit) { return configured }
        return try service.defaultEndpoint(region: region)
    }

    /// The endpoint a setting gives for `service` (every source but the default), or nil.
    ///
    /// It needs no region, so an engine can check every setting before any call is made.
    ///
    /// - Throws: `AWSError.invalidEndpointURL` naming the setting when its URL is not an
    ///   absolute http or https URL: a mistyped local endpoint never falls back to AWS.
    public func configuredEndpoint(for service: AWSService, explicit: String? = nil) throws(AWSError) -> URL? {
        if let explicit, !explicit.isEmpty {
            return try validatedEndpoint(explicit, source: "--endpoint-url")
        }
        guard let (url, source) = endpointSetting(for: service) else { return nil }
        return try validatedEndpoint(url, source: source)
    }

    /// The configured endpoint URL for `service` and the place it came from, or `nil`.
    private func endpointSetting(for service: AWSService) -> (String, String)? {
        if flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", setting: "ignore_configured_endpoint_urls") {
            return nil
        }
        if let url = variable(service.environmentVariable) {
            return (url, service.environmentVariable)
        }
        if let url = variable("AWS_ENDPOINT_URL") {
            return (url, "AWS_ENDPOINT_URL")
        }
        if let name = setting("services"),
            let url = configFile.namedSections("services")[name]?[service.configKey]?.nested?["endpoint_url"],
            !url.isEmpty
        {
            return (url, "[services \(name)] \(service.configKey) endpoint_url in \(configFilePath)")
        }
        if let url = setting("endpoint_url") {
            return (url, "endpoint_url of profile \(profile)")
        }
        return nil
    }
}

/// An absolute http or https URL with a host, or `invalidEndpointURL` naming `source`.
func validatedEndpoint(_ text: String, source: String) throws(AWSError) -> URL {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
        scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
        url.port.map({ (1...65535).contains($0) }) ?? true
    else {
        throw .invalidEndpointURL(source: source)
    }
    return url
}

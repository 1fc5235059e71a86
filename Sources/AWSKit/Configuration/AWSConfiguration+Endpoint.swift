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
        if let explicit, !explicit.isEmpty {
            return try validated(explicit, source: "--endpoint-url")
        }
        if let (url, source) = configuredEndpoint(for: service) {
            return try validated(url, source: source)
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return try validated("https://\(service.endpointPrefix).\(region).\(suffix)", source: "region \(region)")
    }

    /// The configured endpoint URL for `service` and the place it came from, or `nil`.
    private func configuredEndpoint(for service: AWSService) -> (String, String)? {
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

    private func validated(_ text: String, source: String) throws(AWSError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw .invalidEndpointURL(source: source)
        }
        return url
    }
}

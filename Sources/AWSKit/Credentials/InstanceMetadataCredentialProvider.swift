import Foundation
import HTTPClient

/// Credentials of the EC2 instance role, through IMDSv2.
///
/// `PUT /latest/api/token` (with `X-aws-ec2-metadata-token-ttl-seconds: 21600`), then
/// `GET /latest/meta-data/iam/security-credentials/` for the role name and
/// `GET .../<role>` for the keys, each with `X-aws-ec2-metadata-token`. A 403, 404 or 405 on
/// the token falls back to IMDSv1 unless `AWS_EC2_METADATA_V1_DISABLED=true`.
///
/// The endpoint is `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or the profile's
/// `ec2_metadata_service_endpoint`), else `http://[fd00:ec2::254]` in IPv6 mode, else
/// `http://169.254.169.254`. `AWS_EC2_METADATA_DISABLED=true` turns it off. Timeout (1 s) and
/// attempts (1) come from `AWS_METADATA_SERVICE_TIMEOUT` and `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
/// As in botocore, an unreachable or unhelpful service means "not found", not an error.
struct InstanceMetadataCredentialProvider: CredentialProvider {
    /// Settings and HTTP.
    var context: CredentialContext

    /// The name of this source in the "tried" list.
    static let name = "instance metadata"

    private struct Failure: Error {
        var reason: String
    }

    /// The endpoint, without a trailing slash.
    var endpoint: String {
        let configuration = context.configuration
        if let configured = configuration.variable("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            ?? configuration.setting("ec2_metadata_service_endpoint")
        {
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        let mode = configuration.variable("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
            ?? configuration.setting("ec2_metadata_service_endpoint_mode")
        return mode?.lowercased() == "ipv6" ? "http://[fd00:ec2::254]" : "http://169.254.169.254"
    }

    func load() async throws(AWSError) -> CredentialLookup {
        let configuration = context.configuration
        if configuration.flag("AWS_EC2_METADATA_DISABLED") {
            return .notFound("\(Self.name) (AWS_EC2_METADATA_DISABLED)")
        }
        let endpoint = endpoint
        let source = "\(Self.name) (\(ContainerCredentialProvider.redactedHost(endpoint)))"
        do {
            let token = try await fetchToken(endpoint)
            let tokenHeader: [(name: String, value: String)] = token.map { [("X-aws-ec2-metadata-token", $0)] } ?? []
            let base = endpoint + "/latest/meta-data/iam/security-credentials/"
            let roles = try await get(base, headers: tokenHeader)
            guard roles.status == 200 else {
                return .notFound("\(source): no instance role (HTTP \(roles.status))")
            }
            let role = String(decoding: roles.body, as: UTF8.self)
                .split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard !role.isEmpty, let escaped = role.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) else {
                return .notFound("\(source): no instance role")
            }
            let keys = try await get(base + escaped, headers: tokenHeader)
            guard keys.status == 200 else {
                return .notFound("\(source): HTTP \(keys.status) for role \(role)")
            }
            if let json = try? JSONSerialization.jsonObject(with: Data(keys.body)) as? [String: Any],
                let code = json["Code"] as? String, code != "Success"
            {
                return .notFound("\(source): role \(role) reports \(code)")
            }
            do {
                return .found(try ContainerCredentialProvider.parse(keys.body, tokenKey: "Token", source: "\(source) role \(role)"))
            } catch {
                return .notFound("\(source): the response for role \(role) has no credentials")
            }
        } catch let failure as Failure {
            return .notFound("\(source): \(failure.reason)")
        } catch {
            return .notFound("\(source): \(error)")
        }
    }

    /// The IMDSv2 token, or `nil` to go on with IMDSv1.
    private func fetchToken(_ endpoint: String) async throws -> String? {
        let response = try await send(HTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token",
            headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]))
        switch response.status {
        case 200:
            return String(decoding: response.body, as: UTF8.self)
        case 403, 404, 405:
            if context.configuration.flag("AWS_EC2_METADATA_V1_DISABLED", setting: "ec2_metadata_v1_disabled") {
                throw Failure(reason: "no IMDSv2 token (HTTP \(response.status)) and IMDSv1 is disabled")
            }
            return nil
        default:
            throw Failure(reason: "HTTP \(response.status) for the IMDSv2 token")
        }
    }

    private func get(_ url: String, headers: [(name: String, value: String)]) async throws -> HTTPResponse {
        try await send(HTTPRequest(method: "GET", url: url, headers: headers))
    }

    /// Sends with the configured timeout, retrying transport failures and 5xx up to the configured attempts.
    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let configuration = context.configuration
        let timeoutText = configuration.variable("AWS_METADATA_SERVICE_TIMEOUT") ?? configuration.setting("metadata_service_timeout")
        let timeout = timeoutText.flatMap(Double.init) ?? 1
        // The setting is text from outside: a value beyond these bounds once trapped the conversion below.
        guard timeout.isFinite, (0.001...3600).contains(timeout) else {
            throw Failure(reason: "the metadata service timeout must be a number of seconds from 0.001 to 3600, not \(timeoutText ?? "")")
        }
        let attemptsText = configuration.variable("AWS_METADATA_SERVICE_NUM_ATTEMPTS") ?? configuration.setting("metadata_service_num_attempts")
        let attempts = attemptsText.flatMap(Int.init) ?? 1
        guard (1...10).contains(attempts) else {
            throw Failure(reason: "the metadata service attempts must be an integer from 1 to 10, not \(attemptsText ?? "")")
        }
        var request = request
        request.timeout = .milliseconds(Int64((timeout * 1000).rounded()))
        request.connectTimeout = request.timeout
        var last: any Error = Failure(reason: "no attempt made")
        for _ in 0..<attempts {
            do {
                let response = try await context.transport.send(request)
                if response.status < 500 { return response }
                last = Failure(reason: "HTTP \(response.status)")
            } catch {
                last = error
            }
        }
        throw last
    }
}

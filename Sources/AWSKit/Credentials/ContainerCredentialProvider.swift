import Foundation
import HTTPClient

/// Credentials from the ECS / EKS Pod Identity container endpoint.
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on `http://169.254.170.2`;
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` a whole URL, which must be `https`, or `http` to a
/// loopback address or one of the container hosts. The `Authorization` header comes from the
/// file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` names, else `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
/// Each attempt has 2 s; there are 3, a second apart, as in botocore.
struct ContainerCredentialProvider: CredentialProvider {
    /// Settings and HTTP.
    var context: CredentialContext

    /// The link-local host of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
    static let relativeHost = "http://169.254.170.2"
    /// The name of this source in the "tried" list.
    static let name = "container credentials"

    func load() async throws(AWSError) -> CredentialLookup {
        let configuration = context.configuration
        let url: String
        if let relative = configuration.variable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = Self.relativeHost + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = configuration.variable("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            guard Self.isAllowed(full) else {
                throw .invalidCredentialConfiguration(
                    reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https, or http to a loopback or container host")
            }
            url = full
        } else {
            return .notFound("\(Self.name) (not configured)")
        }
        let source = "\(Self.name) (\(Self.redactedHost(url)))"
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token = try authorizationToken() {
            headers.append(("Authorization", token))
        }
        let request = HTTPRequest(method: "GET", url: url, headers: headers, timeout: .seconds(2), connectTimeout: .seconds(2))
        var failure = ""
        for attempt in 1...3 {
            if attempt > 1 { try? await Task.sleep(for: context.retryDelay) }
            do {
                let response = try await context.transport.send(request)
                guard response.status == 200 else {
                    failure = "HTTP \(response.status)"
                    continue
                }
                return .found(try Self.parse(response.body, tokenKey: "Token", source: source))
            } catch let error as AWSError {
                throw error
            } catch {
                failure = "\(error)"
            }
        }
        throw .credentialRetrievalFailed(source: source, reason: failure + " after 3 attempts")
    }

    /// The token for the `Authorization` header, if one is configured.
    private func authorizationToken() throws(AWSError) -> String? {
        let configuration = context.configuration
        var token: String?
        if let path = configuration.variable("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .invalidCredentialConfiguration(reason: "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path)")
            }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            token = configuration.variable("AWS_CONTAINER_AUTHORIZATION_TOKEN")
        }
        if let token, token.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" || $0 == "\0" }) {
            throw .invalidCredentialConfiguration(reason: "the container authorization token contains CR, LF or NUL")
        }
        return token
    }

    /// Whether a full URI may be used: any `https`, or `http` to loopback or a container host.
    static func isAllowed(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased()
        else { return false }
        if scheme == "https" { return true }
        guard scheme == "http" else { return false }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return bare == "localhost" || bare == "::1" || bare == "169.254.170.2" || bare == "169.254.170.23"
            || bare == "fd00:ec2::23" || (bare.hasPrefix("127.") && bare.split(separator: ".").count == 4)
    }

    /// The scheme, host and port of `url`, which is all a message shows of it.
    static func redactedHost(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the endpoint" }
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(components.scheme ?? "http")://\(host)\(port)"
    }

    /// Credentials from a metadata JSON body (`AccessKeyId`, `SecretAccessKey`, the token under
    /// `tokenKey`, `Expiration`); the body never reaches an error.
    static func parse(_ body: [UInt8], tokenKey: String, source: String) throws(AWSError) -> ResolvedCredentials {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let accessKey = json["AccessKeyId"] as? String, !accessKey.isEmpty,
            let secret = json["SecretAccessKey"] as? String, !secret.isEmpty
        else {
            throw .credentialRetrievalFailed(source: source, reason: "the response is not JSON with AccessKeyId and SecretAccessKey")
        }
        var expiration: Date?
        if let text = json["Expiration"] as? String {
            guard let date = AWSWireTime.date(iso8601: text) else {
                throw .credentialRetrievalFailed(source: source, reason: "the response's Expiration is not an ISO 8601 time")
            }
            expiration = date
        }
        let token = (json[tokenKey] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return ResolvedCredentials(
            credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            expiration: expiration, source: source)
    }
}

import Foundation
import HTTPClient

/// The two STS calls the chain makes, over the Query protocol.
///
/// `POST /` with a form body `Action=...&Version=2011-06-15&...`; the answer is XML with
/// `<Credentials><AccessKeyId/><SecretAccessKey/><SessionToken/><Expiration/></Credentials>`.
/// The endpoint is `configuration.endpoint(for: .sts, region:)`, so `AWS_ENDPOINT_URL_STS`
/// and the config file's `services` section apply; with no region, `us-east-1`.
struct STSClient: Sendable {
    /// Settings, HTTP and region.
    var context: CredentialContext

    /// Calls `AssumeRole`, signed with `credentials`.
    func assumeRole(
        roleARN: String, sessionName: String, externalID: String?, durationSeconds: Int?,
        credentials: AWSCredentials
    ) async throws(AWSError) -> ResolvedCredentials {
        var parameters = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let externalID { parameters.append(("ExternalId", externalID)) }
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        return try await call(parameters, signingWith: credentials, source: "STS AssumeRole (\(roleARN))")
    }

    /// Calls `AssumeRoleWithWebIdentity`, unsigned, as the API requires.
    func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, token: String) async throws(AWSError)
        -> ResolvedCredentials
    {
        let parameters = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("WebIdentityToken", token),
        ]
        return try await call(parameters, signingWith: nil, source: "STS AssumeRoleWithWebIdentity (\(roleARN))")
    }

    private func call(_ parameters: [(String, String)], signingWith credentials: AWSCredentials?, source: String)
        async throws(AWSError) -> ResolvedCredentials
    {
        let region = context.region ?? "us-east-1"
        let endpoint = try context.configuration.endpoint(for: .sts, region: region)
        let body = Array(parameters.map { PercentEncoding.encode($0.0.utf8) + "=" + PercentEncoding.encode($0.1.utf8) }
            .joined(separator: "&").utf8)
        var request = try AWSRequest(
            method: "POST", url: endpoint,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body)
        if let credentials {
            try SigV4Signer(service: AWSService.sts.signingName, region: region).sign(&request, credentials: credentials, date: Date())
        }
        var url = endpoint.absoluteString
        if endpoint.path.isEmpty { url += "/" }
        let response: HTTPResponse
        do {
            response = try await context.transport.send(HTTPRequest(method: "POST", url: url, headers: request.headers, body: body))
        } catch {
            throw .credentialRetrievalFailed(source: source, reason: "\(error)")
        }
        // Read with the XML reader of every AWS answer; a body that is not XML has no fields.
        let root = try? AWSXMLNode.parse(response.body)
        func text(_ name: String, in node: AWSXMLNode?) -> String? {
            guard let value = node?.find(name)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        guard response.status == 200 else {
            let code = text("Code", in: root).map { " \($0)" } ?? ""
            let message = text("Message", in: root).map { ": \($0.prefix(300))" } ?? ""
            throw .credentialRetrievalFailed(source: source, reason: "HTTP \(response.status)\(code)\(message)")
        }
        let block = root?.find("Credentials")
        guard let accessKey = text("AccessKeyId", in: block), let secret = text("SecretAccessKey", in: block) else {
            throw .credentialRetrievalFailed(source: source, reason: "the response has no Credentials")
        }
        let expiration = text("Expiration", in: block).flatMap { AWSWireTime.date(iso8601: $0) }
        let token = text("SessionToken", in: block)
        return ResolvedCredentials(
            credentials: AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            expiration: expiration, source: source)
    }
}

import Foundation
import Hummingbird

/// Answers with a JSON body; every answer of the server, errors included, is JSON.
func jsonResponse(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = (try? encoder.encode(value)) ?? Data(#"{"error":"the answer could not be encoded"}"#.utf8)
    return jsonResponse(status, bytes: data, headers: headers)
}

/// Answers with `bytes`, already JSON.
func jsonResponse(_ status: HTTPResponse.Status, bytes: some Sequence<UInt8>, headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// An error answer: `{"error": message}`, with the field at fault for a malformed event.
func errorResponse(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, headers: HTTPFields = [:]) -> Response {
    struct Body: Encodable {
        let error: String
        let field: String?
    }
    return jsonResponse(status, Body(error: message, field: field), headers: headers)
}

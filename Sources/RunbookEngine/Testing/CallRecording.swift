import AWSKit
import Foundation
import LuaKit
import Synchronization

/// `runbook run --record FILE.json`: every answer a run's calls got, in the order they came,
/// for `stub.replay` in a test. Inputs, answers and error messages pass the run's
/// ``Redactor`` first, so a recording holds no secret the journal would not.
///
/// The file is a JSON object, `{ "version": 1, "calls": [...] }`; each call is
/// `{ "client", "operation", "input", "response" }` (AWS, boto3's names) or
/// `{ "kind", "arguments", "response" }` (probes), where `response` is the answer or
/// `{ "error": { "code", "message", "status", "request_id" } }`.
public final class CallRecording: CallInterceptor {
    /// The largest recording `stub.replay` reads: recordings are answers, not data sets.
    public static let sizeLimit = 16 << 20

    private let path: String
    private let calls = Mutex<[LuaValue]>([])

    /// A recording into `path`, created now (readable by its owner only, like the journal), so
    /// a path that cannot be written stops the run before it starts.
    ///
    /// - Throws: ``RunbookError`` when the file cannot be created.
    public init(path: String) throws(RunbookError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw RunbookError(.io, "cannot write the recording \(path)")
        }
    }

    public func answer(_ call: InterceptedCall) async throws -> PrimitiveResult {
        var entry: LuaTable
        switch call.identity {
        case .aws(let client, let method, let input):
            entry = LuaTable(fields: ["client": .string(client), "operation": .string(method), "input": call.redact(input)])
        case .probe(let kind, let arguments):
            entry = LuaTable(fields: ["kind": .string(kind), "arguments": call.redact(arguments)])
        }
        do {
            let result = try await call.send()
            entry.fields["response"] = call.redact(result.value)
            calls.withLock { $0.append(.table(entry)) }
            return result
        } catch let error as AWSServiceError {
            var answer = LuaTable(fields: [
                "code": .string(error.code), "message": call.redact(.string(error.message)), "status": .integer(Int64(error.status)),
            ])
            if let id = error.requestID { answer.fields["request_id"] = .string(id) }
            entry.fields["response"] = ["error": .table(answer)]
            calls.withLock { $0.append(.table(entry)) }
            throw error
        } catch {
            entry.fields["response"] = ["error": ["message": call.redact(.string("\(error)"))]]
            calls.withLock { $0.append(.table(entry)) }
            throw error
        }
    }

    /// Writes the recording.
    ///
    /// - Throws: ``RunbookError`` when it cannot be written in full.
    public func finish() throws(RunbookError) {
        let document: LuaValue = ["version": 1, "calls": .table(LuaTable(array: calls.withLock { $0 }))]
        do {
            try Data(try encodeJSON(document, pretty: true).utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw RunbookError(.io, "cannot write the recording \(path): \(error.localizedDescription)")
        }
    }

    /// The calls of the recording at `path`, as `stub.replay` replays them.
    ///
    /// - Throws: ``RunbookError`` when the file is missing, too large or not a recording.
    static func calls(at path: String) throws(RunbookError) -> [LuaValue] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw RunbookError(.notFound, "no recording at \(path)") }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
        } catch {
            throw RunbookError(.io, "cannot read the recording \(path): \(error.localizedDescription)")
        }
        guard data.count <= sizeLimit else { throw RunbookError(.invalid, "the recording \(path) is larger than \(sizeLimit >> 20) MiB") }
        let document: LuaValue
        do {
            document = try StrictJSON.decode(data)
        } catch {
            throw RunbookError(.invalid, "the recording \(path) is not valid JSON: \(error)")
        }
        guard let calls = document.tableValue?.fields["calls"]?.tableValue, calls.fields.isEmpty,
              calls.array.allSatisfy({ $0.tableValue?.fields["response"] != nil })
        else {
            throw RunbookError(.invalid, "\(path) is not a recording (a `calls` list of calls with a `response` each)")
        }
        return calls.array
    }
}

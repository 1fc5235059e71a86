import AWSKit
import LuaKit

/// Follows an operation's paginator (`paginators-1.json`) as boto3's `paginate()` and
/// `build_full_result()` do: each page's output tokens become the next request's input tokens,
/// and each page's result keys are appended to the first page's, until no token is left.
///
/// Paths in the paginator name output members by their model names (`Reservations`,
/// `NextMarker || Contents[-1].Key`); the answers are keyed by wire names (`reservationSet`), so
/// every path is mapped through the output shape first.
struct AWSPagination {
    /// The most pages one call follows; past it the call fails rather than run on.
    static let maximumPages = 1_000

    let model: AWSServiceModel
    let operation: String
    let paginator: AWSPaginator

    /// The paginator of `operation`, or an error saying it has none.
    init(model: AWSServiceModel, operation: String) throws {
        guard let paginator = model.paginators[operation] else {
            throw LuaHostError("\(model.service).\(operation) has no paginator: call it without paginate = true")
        }
        self.model = model
        self.operation = operation
        self.paginator = paginator
    }

    /// Sends pages of `input` through `send` until the last, and merges them. `send` also gets
    /// the page's number (1 for the first) and, after the first, its input tokens as sent
    /// (`NextToken="abc"`, at most 200 characters), so each page's attempts can be told apart.
    ///
    /// - Throws: what `send` throws; `LuaHostError` past ``maximumPages`` pages or when a page
    ///   repeats the previous page's token (which would never end).
    func all(_ input: AWSValue, send: (AWSValue, Int, String?) async throws -> AWSValue) async throws -> AWSValue {
        let outputShape = model.operations[operation]?.output?.shape
        let resultPaths = (paginator.resultKey ?? []).map { wirePath($0, shape: outputShape) }
        let tokenPaths = paginator.outputToken.map { alternatives in
            alternatives.split(separator: "||").map { wirePath(String($0).trimmingWhitespace, shape: outputShape) }
        }
        let morePath = paginator.moreResults.map { wirePath($0, shape: outputShape) }
        var request: [String: AWSValue] = Dictionary(uniqueKeysWithValues: (input.fields ?? []).map { ($0.name, $0.value) })
        var merged: AWSValue?
        var collected = Array(repeating: [AWSValue](), count: resultPaths.count)
        var previous: [AWSValue]?
        var sentTokens: String?
        for number in 1...Self.maximumPages {
            let page = try await send(.map(request), number, sentTokens)
            if merged == nil { merged = page }
            for (index, path) in resultPaths.enumerated() {
                if let items = Self.value(at: path, in: page)?.listValue { collected[index] += items }
            }
            let tokens = tokenPaths.map { alternatives in
                alternatives.lazy.compactMap { Self.value(at: $0, in: page) }.first { $0 != .null && $0 != .string("") }
            }
            let more = morePath.map { Self.value(at: $0, in: page) == .bool(true) } ?? true
            guard more, tokens.contains(where: { $0 != nil }) else {
                return Self.finish(merged ?? page, results: zip(resultPaths, collected).map { ($0, $1) },
                                   tokens: tokenPaths.compactMap { $0.count == 1 ? $0[0] : nil })
            }
            let next = tokens.map { $0 ?? .null }
            if next == previous {
                throw LuaHostError("\(model.service).\(operation): the answer repeated its page token; stopped paginating")
            }
            previous = next
            for (name, token) in zip(paginator.inputToken, next) {
                request[name] = token == .null ? nil : token
            }
            let shown = zip(paginator.inputToken, next).filter { $0.1 != .null }.map { "\($0)=\($1)" }.joined(separator: ", ")
            sentTokens = shown.count > 200 ? String(shown.prefix(199)) + "…" : shown
        }
        throw LuaHostError("\(model.service).\(operation): more than \(Self.maximumPages) pages; "
            + "narrow the request (filters), or page it yourself with the token members")
    }

    /// The first page with every result list replaced by all pages' and the next-page tokens removed.
    private static func finish(_ first: AWSValue, results: [([PathStep], [AWSValue])], tokens: [[PathStep]]) -> AWSValue {
        var merged = first
        for (path, items) in results { merged = setting(.list(items), at: path, in: merged) }
        for path in tokens where path.count == 1 { merged = setting(.null, at: path, in: merged) }
        return merged
    }

    /// One step of a paginator path: a member (by its wire name) or a list index (negative from the end).
    enum PathStep: Equatable {
        case member(String)
        case index(Int)
    }

    /// `path` (`Contents[-1].Key`) in wire names, following `shape` through structures and lists.
    func wirePath(_ path: String, shape: String?) -> [PathStep] {
        var steps: [PathStep] = []
        var current = shape.flatMap { model.shapes[$0] }
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                if let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) { indexes.insert(index, at: 0) }
                name = name[..<open]
            }
            let ref = current?.member(named: String(name))
            steps.append(.member(ref?.wireName ?? String(name)))
            current = ref.flatMap { model.shapes[$0.shape] }
            for index in indexes {
                steps.append(.index(index))
                current = current?.member.flatMap { model.shapes[$0.shape] }
            }
        }
        return steps
    }

    static func value(at path: [PathStep], in value: AWSValue) -> AWSValue? {
        var current: AWSValue? = value
        for step in path {
            switch step {
            case .member(let name): current = current?[name]
            case .index(let index):
                guard let items = current?.listValue, !items.isEmpty else { return nil }
                let position = index < 0 ? items.count + index : index
                current = items.indices.contains(position) ? items[position] : nil
            }
        }
        return current
    }

    private static func setting(_ new: AWSValue, at path: [PathStep], in value: AWSValue) -> AWSValue {
        guard case .member(let name) = path.first else { return value }
        let rest = Array(path.dropFirst())
        switch value {
        case .structure(var fields):
            if let position = fields.firstIndex(where: { $0.name == name }) {
                fields[position].value = rest.isEmpty ? new : setting(new, at: rest, in: fields[position].value)
            } else if rest.isEmpty, new != .null {
                fields.append(AWSValue.Field(name, new))
            }
            return .structure(fields)
        case .map(var entries):
            entries[name] = rest.isEmpty ? new : entries[name].map { setting(new, at: rest, in: $0) }
            return .map(entries)
        default:
            return value
        }
    }
}

private extension String {
    var trimmingWhitespace: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

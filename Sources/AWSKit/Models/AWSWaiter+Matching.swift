extension AWSWaiter {
    /// What one poll of a waiter's operation gave.
    public enum Outcome: Sendable, Equatable {
        /// A successful answer, its structures keyed by member names (``AWSModelResponse/Keys/member``,
        /// the names the acceptors' expressions use), and its HTTP status.
        case answer(AWSValue, status: Int)
        /// An error answer: the service's error code and the HTTP status.
        case error(code: String, status: Int)
    }

    /// The first acceptor that matches `outcome`, tried in order as botocore's `Waiter.wait`
    /// tries them; nil when none does.
    ///
    /// - Throws: ``AWSError/invalidExpression(_:reason:)`` when an acceptor's argument is not
    ///   JMESPath ``JMESPath`` reads, or cannot be evaluated over the answer.
    public func acceptor(matching outcome: Outcome) throws -> Acceptor? {
        for acceptor in acceptors where try acceptor.matches(outcome) { return acceptor }
        return nil
    }

    /// What the waiter watches, for a person reading why a wait ended: the first path
    /// acceptor's argument and its value (`Table.TableStatus = "CREATING"`), else the HTTP
    /// status, or the error code. At most 200 characters.
    public func observed(in outcome: Outcome) -> String {
        let text: String
        switch outcome {
        case .error(let code, let status):
            text = "\(code) (HTTP \(status))"
        case .answer(let value, let status):
            if let argument = acceptors.lazy.compactMap(\.argument).first {
                let shown = (try? JMESPath(argument).search(value)).map(\.description) ?? "not evaluable"
                text = "\(argument) = \(shown)"
            } else {
                text = "HTTP \(status)"
            }
        }
        return text.count > 200 ? String(text.prefix(199)) + "…" : text
    }
}

extension AWSWaiter.Acceptor {
    /// Whether this acceptor matches `outcome`, as botocore's matchers decide (botocore/waiter.py):
    ///
    /// - `path`: the argument's value equals `expected`; `pathAll` and `pathAny`: the value is a
    ///   non-empty list whose every (some) element equals it. Never on an error answer.
    /// - `status`: the HTTP status, of an answer or an error answer, equals `expected`.
    /// - `error`: `true` matches any error answer, `false` any answer that is not one, and a
    ///   string the error answer with that code.
    ///
    /// - Throws: ``AWSError/invalidExpression(_:reason:)`` for a path matcher whose argument
    ///   cannot be parsed or evaluated.
    public func matches(_ outcome: AWSWaiter.Outcome) throws -> Bool {
        switch (matcher, outcome) {
        case (.status, .answer(_, let status)), (.status, .error(_, let status)):
            return expected == .int(status)
        case (.error, .error(let code, _)):
            return expected == .bool(true) || expected == .string(code)
        case (.error, .answer):
            return expected == .bool(false)
        case (.path, .answer(let value, _)), (.pathAll, .answer(let value, _)), (.pathAny, .answer(let value, _)):
            let expression = try JMESPath(argument ?? "")
            let result = try expression.search(value)
            let wanted = expected.value
            if matcher == .path { return try JMESPath.equal(result, wanted, in: expression.expression) }
            guard case .list(let items) = result, !items.isEmpty else { return false }
            if matcher == .pathAll {
                return try items.allSatisfy { try JMESPath.equal($0, wanted, in: expression.expression) }
            }
            return try items.contains { try JMESPath.equal($0, wanted, in: expression.expression) }
        case (.path, .error), (.pathAll, .error), (.pathAny, .error):
            return false
        }
    }

    /// What a match means, as botocore's `explanation` says it but shorter:
    /// `some Reservations[].Instances[].State.Name is "terminated"`, `HTTP status 404`.
    public var explanation: String {
        let wanted = expected.value.description
        return switch matcher {
        case .path: "\(argument ?? "") is \(wanted)"
        case .pathAll: "every \(argument ?? "") is \(wanted)"
        case .pathAny: "some \(argument ?? "") is \(wanted)"
        case .status: "HTTP status \(wanted)"
        case .error:
            switch expected {
            case .bool(true): "any error"
            case .bool(false): "no error"
            default: "error \(wanted)"
            }
        }
    }
}

extension AWSWaiter.Expected {
    /// The expected value as an answer would hold it.
    var value: AWSValue {
        switch self {
        case .string(let text): .string(text)
        case .bool(let flag): .bool(flag)
        case .int(let number): .integer(Int64(number))
        }
    }
}

extension AWSServiceModel {
    /// Every waiter of the model by boto3's name (`instance_running` → `InstanceRunning`):
    /// botocore's `xform_name` of the waiter's name, as `client.get_waiter` takes it.
    public var waitersByName: [String: String] {
        Dictionary(waiters.keys.map { (BotocoreName.method(for: $0), $0) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A waiter from `waiters-2.json`: an operation polled until one of its acceptors matches.
public struct AWSWaiter: Sendable, Decodable {
    /// The operation polled (`DescribeInstances`).
    public let operation: String
    /// Seconds between polls.
    public let delay: Int
    /// Polls before giving up.
    public let maxAttempts: Int
    /// The rules that end or continue the wait, tried in order.
    public let acceptors: [Acceptor]

    /// One rule of a waiter.
    public struct Acceptor: Sendable, Decodable {
        /// What a match means.
        public enum State: String, Sendable, Decodable {
            case success, failure, retry
        }

        /// What the rule looks at.
        public enum Matcher: String, Sendable, Decodable {
            /// The value at `argument` equals `expected`.
            case path
            /// Every value of the list at `argument` equals `expected`.
            case pathAll
            /// Some value of the list at `argument` equals `expected`.
            case pathAny
            /// The HTTP status equals `expected`.
            case status
            /// The error code equals `expected`; `true` matches any error, `false` none.
            case error
        }

        /// What a match means.
        public let state: State
        /// What the rule looks at.
        public let matcher: Matcher
        /// The output path for path matchers (`Reservations[].Instances[].State.Name`).
        public let argument: String?
        /// The value to match.
        public let expected: Expected
    }

    /// A value an acceptor expects: a string, a boolean or an HTTP status.
    public enum Expected: Sendable, Equatable, Decodable {
        case string(String)
        case bool(Bool)
        case int(Int)

        /// Decodes whichever of the three the JSON holds.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) {
                self = .bool(b)
            } else if let i = try? container.decode(Int.self) {
                self = .int(i)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }
}

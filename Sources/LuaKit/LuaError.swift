/// Why a run was stopped by one of its limits.
public enum LuaStopReason: String, Sendable, Codable, CaseIterable {
    case instructions
    case deadline
    case cancelled
    case memory
    case stackOverflow = "stack_overflow"
    case tooManyTasks = "too_many_tasks"

    init?(trip: Int32) {
        switch trip {
        case 1: self = .instructions
        case 2: self = .deadline
        case 3: self = .cancelled
        case 4: self = .memory
        case 5: self = .stackOverflow
        case 6: self = .tooManyTasks
        default: return nil
        }
    }

    var trip: Int32 {
        switch self {
        case .instructions: 1
        case .deadline: 2
        case .cancelled: 3
        case .memory: 4
        case .stackOverflow: 5
        case .tooManyTasks: 6
        }
    }
}

/// An error from Lua or from the bridge: what went wrong, where, and the Lua traceback.
public struct LuaError: Error, Sendable, CustomStringConvertible {
    /// The broad class of the failure.
    public enum Kind: Sendable, Equatable {
        /// The chunk does not parse.
        case syntax
        /// Lua code raised an error.
        case runtime
        /// A value could not be converted between Lua and Swift.
        case conversion
        /// A limit of the run stopped it.
        case stopped(LuaStopReason)
    }

    /// The class of the failure.
    public let kind: Kind
    /// The message, with `file:line:` in front when Lua knew the position.
    public let message: String
    /// Lua's stack traceback, when one was taken.
    public let traceback: String?

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String, traceback: String? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
    }

    public var description: String { message }
}

/// An error a host function throws to make Lua raise `message` at the caller's line.
public struct LuaHostError: Error, Sendable, CustomStringConvertible {
    /// The text Lua raises, after the function's name.
    public let message: String

    /// An error that Lua raises as `name: message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// What a host function's work throws when its answer would not fit in the run's memory,
/// found before the answer is built in full: the run stops as any memory exhaustion does,
/// exit 3, with this message after the function's name.
public struct LuaAnswerTooLarge: Error, Sendable, CustomStringConvertible {
    /// What was too large, and what the run had left for it.
    public let message: String
    /// The host function whose answer it was, once known.
    public internal(set) var function: String?

    /// An error saying that `what` ("the answer (12 MiB of JSON)") needs more Lua memory than
    /// the `available` bytes the run's memory limit left free when the call was made.
    public init(_ what: String, available: Int) {
        message = "\(what) needs more Lua memory than the run's memory limit leaves free (\(describeBytes(available)))"
    }

    public var description: String { function.map { "\($0): \(message)" } ?? message }
}

/// Bytes as people read them: "64 MiB", "1.5 MiB", "900 KiB".
public func describeBytes(_ bytes: Int) -> String {
    if bytes >= 1 << 20 {
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return tenths % 10 == 0 ? "\(tenths / 10) MiB" : "\(tenths / 10).\(tenths % 10) MiB"
    }
    return bytes >= 1 << 10 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
}

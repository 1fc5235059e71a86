/// The limits one Lua state runs under. Exceeding any ends the run with a ``LuaStopReason``.
public struct LuaLimits: Sendable, Equatable {
    /// The most memory Lua may hold, in bytes; 0 for no cap.
    public var memoryBytes: Int
    /// The most VM instructions the run may execute; 0 for no budget.
    public var instructions: Int64
    /// Wall-clock time the run may take from its start; nil for none.
    public var timeout: Duration?
    /// VM instructions between two checks of the limits.
    public var checkInterval: Int32

    /// Limits with the given values; the defaults suit an I/O-bound runbook.
    public init(
        memoryBytes: Int = 64 << 20,
        instructions: Int64 = 1_000_000_000,
        timeout: Duration? = nil,
        checkInterval: Int32 = 1000
    ) {
        self.memoryBytes = memoryBytes
        self.instructions = instructions
        self.timeout = timeout
        self.checkInterval = checkInterval
    }
}

extension Duration {
    /// The duration in seconds, as a double.
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

import Foundation

// Shared by the guardrail stores, so that they check and cut alike: each turns these durations into its own arithmetic (SQLite's
// seconds, DynamoDB's whole milliseconds), which the ranges keep from overflowing or trapping.
extension AdmissionRequest {
    /// Refuses durations outside what a runbook may declare and identifiers that are empty or
    /// longer than `maximumText` bytes.
    func check(maximumText: Int) throws(RunbookError) {
        try Self.checkIdentifier(runbook, "runbook", maximumText: maximumText)
        try Self.checkIdentifier(target, "target", maximumText: maximumText)
        try Self.checkIdentifier(runID, "run id", maximumText: maximumText)
        try Self.checkIdentifier(journal, "journal", maximumText: maximumText)
        try Self.checkIdentifier(holder.host, "host", maximumText: maximumText)
        if let eventKey { try Self.checkIdentifier(eventKey, "event key", maximumText: maximumText) }
        func within(_ value: Double, _ range: ClosedRange<Double>, _ name: String) throws(RunbookError) {
            guard range.contains(value) else {
                throw RunbookError(.invalid, "admission of \(runbook) for \(target): \(name) must be from \(range.lowerBound) to \(range.upperBound) seconds, got \(value)")
            }
        }
        try within(cooldown, RunbookAutomation.cooldownRange, "cooldown")
        try within(window, RunbookAutomation.windowRange, "window")
        // A lease outlasts the run's timeout by a margin; an event's key is kept up to a year.
        try within(leaseSeconds, 0.001...(2 * RunbookLimits.timeoutRange.upperBound), "lease")
        try within(dedupSeconds, 0...Self.maximumDedupSeconds, "deduplication")
        let mutations = RunbookAutomation.maxMutationsRange
        guard let count = Int64(exactly: maxMutations), mutations.contains(count) else {
            throw RunbookError(.invalid, "admission of \(runbook) for \(target): max mutations must be from \(mutations.lowerBound) to \(mutations.upperBound), got \(maxMutations)")
        }
    }

    /// A year.
    static let maximumDedupSeconds = 31_536_000.0

    static func checkIdentifier(_ text: String, _ name: String, maximumText: Int) throws(RunbookError) {
        guard !text.isEmpty else { throw RunbookError(.invalid, "the guardrail store was given an empty \(name)") }
        guard text.utf8.count <= maximumText else {
            throw RunbookError(.invalid, "the \(name) \(text.prefix(40))… is \(text.utf8.count) bytes long; the guardrail store takes at most \(maximumText)")
        }
    }

    /// What ``GuardrailStore/recordMutation(runID:target:at:)`` throws when the run does not hold
    /// the target's lease, unexpired.
    static func leaseNotHeld(runID: String, target: String) -> RunbookError {
        RunbookError(.invalid, "run \(runID) does not hold the lease on \(target): it ended, expired or another run took it, so no mutating call of it may be sent")
    }
}

extension String {
    /// The text cut to `maximum` UTF-8 bytes at a character boundary: what a guardrail store
    /// keeps of a free text (a reason), so that an overlong one is recorded rather than refused.
    func capped(to maximum: Int) -> String {
        guard utf8.count > maximum else { return self }
        var bytes = 0
        return String(unicodeScalars.prefix { scalar in
            bytes += scalar.utf8.count
            return bytes <= maximum
        })
    }
}

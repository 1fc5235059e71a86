import Foundation

/// The folder of what runbook keeps between runs: journals and the guardrail state.
public enum StateDirectory {
    /// `$XDG_STATE_HOME/runbook`, with XDG_STATE_HOME defaulting to `$HOME/.local/state` as the
    /// XDG base directory specification says (an empty value counts as unset).
    public static func path(environment: [String: String]) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return state + "/runbook"
    }
}

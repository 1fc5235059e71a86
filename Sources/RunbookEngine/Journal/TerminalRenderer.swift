import Foundation
public import LuaKit
import Synchronization

/// Shows a run to a person as it happens: numbered steps with durations, every call a
/// dry run planned, findings, and a closing summary. Colour only when asked for
/// (the CLI asks on a TTY unless `NO_COLOR` or `--no-color`).
public final class TerminalRenderer: JournalSink {
    private struct State {
        var depth: [Int: Int] = [:]
        var started: String?
    }

    private let write: @Sendable (String) -> Void
    private let color: Bool
    private let showCalls: Bool
    private let state = Mutex(State())

    /// A renderer writing lines through `write`.
    ///
    /// - Parameters:
    ///   - color: use ANSI colours.
    ///   - showCalls: list every read and probe call, not only planned ones.
    public init(color: Bool, showCalls: Bool = true, write: @escaping @Sendable (String) -> Void) {
        self.color = color
        self.showCalls = showCalls
        self.write = write
    }

    private enum Tint: String {
        case green = "32", red = "31", yellow = "33", blue = "34", magenta = "35", dim = "2", bold = "1"
    }

    private func paint(_ text: String, _ tint: Tint) -> String {
        color ? "\u{1B}[\(tint.rawValue)m\(text)\u{1B}[0m" : text
    }

    public func record(_ event: JournalEvent) {
        let shown = Self.visible(event)
        let lines = state.withLock { render(shown, &$0) }
        for line in lines { write(line + "\n") }
    }

    /// The event with every text a runbook, a parameter or a peer could have written made
    /// visible: no control sequence reaches the terminal.
    private static func visible(_ event: JournalEvent) -> JournalEvent {
        var event = event
        let texts: [WritableKeyPath<JournalEvent, String?>] = [
            \.runbook, \.version, \.file, \.name, \.error, \.service, \.operation, \.message, \.summary, \.reason,
            \.level, \.severity, \.mode, \.status, \.effect, \.code, \.source, \.eventId, \.target, \.outcome,
        ]
        for path in texts { event[keyPath: path] = event[keyPath: path].map(UntrustedText.terminal) }
        event.matches = event.matches?.map { var match = $0; match.runbook = UntrustedText.terminal(match.runbook); return match }
        event.guardrails = event.guardrails?.map {
            GuardrailOutcome(check: UntrustedText.terminal($0.check), verdict: UntrustedText.terminal($0.verdict), detail: $0.detail.map(UntrustedText.terminal))
        }
        // `runbook log` replays journals, which are files from outside too.
        event.run = UntrustedText.terminal(event.run)
        event.time = UntrustedText.terminal(event.time)
        return event
    }

    /// The heading and rows as lines, each column as wide as its widest cell (counted in
    /// characters, which is right for the Latin text runbooks mostly show).
    static func aligned(_ columns: [String], _ rows: [[String]]) -> [String] {
        let lines = ([columns] + rows).map { $0.map(UntrustedText.terminal) }
        var widths = Array(repeating: 0, count: columns.count)
        for line in lines { for (index, cell) in line.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        return lines.map { line in
            line.enumerated().map { index, cell in
                // A replayed journal may hold rows wider than their heading: those cells go unpadded.
                index == line.count - 1 || index >= widths.count ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ")
        }
    }

    private func indent(_ step: Int?, _ state: State, extra: Int = 0) -> String {
        String(repeating: "  ", count: 1 + (step.flatMap { state.depth[$0] } ?? 0) + extra)
    }

    private func render(_ e: JournalEvent, _ state: inout State) -> [String] {
        switch e.event {
        case .runStarted:
            let mode = e.mode == "dry-run" ? paint("dry run", .yellow) : "live"
            return [
                paint("▶ \(e.runbook ?? "?") \(e.version ?? "")", .bold) + " · \(mode) · run \(e.run)",
                paint("  \(e.file ?? "") · sha256 \(e.sha256?.prefix(12) ?? "")", .dim),
            ]
        case .stepStarted:
            let depth = e.parent.flatMap { state.depth[$0].map { $0 + 1 } } ?? 0
            if let step = e.step { state.depth[step] = depth }
            return [indent(e.step, state) + paint("▸ [\(e.step ?? 0)] \(e.name ?? "")", .blue)]
        case .stepRetry:
            let delay = (e.durationMs ?? 0) / 1000
            return [indent(e.step, state, extra: 2) + paint("↻ attempt \(e.attempt ?? 0) failed: \(e.error ?? ""); retrying in \(formatMilliseconds(delay * 1000))", .yellow)]
        case .stepFinished:
            let label = "[\(e.step ?? 0)] \(e.name ?? "")"
            let took = formatMilliseconds(e.durationMs ?? 0)
            let attempts = (e.attempt ?? 1) > 1 ? " · \(e.attempt ?? 1) attempts" : ""
            switch e.status {
            case "ok":
                return [indent(e.step, state) + paint("✓ ", .green) + label + paint(" · \(took)\(attempts)", .dim)]
            case "timed_out":
                return [indent(e.step, state) + paint("✗ \(label) timed out · \(took)\(attempts)", .red), indent(e.step, state, extra: 2) + paint(e.error ?? "", .red)]
            default:
                return [indent(e.step, state) + paint("✗ \(label) \(e.status ?? "failed") · \(took)\(attempts)", .red), indent(e.step, state, extra: 2) + paint(e.error ?? "", .red)]
            }
        case .call:
            let name = "\(e.service ?? "").\(e.operation ?? "")"
            if e.planned == true {
                let request = UntrustedText.terminal(e.request.flatMap { try? encodeJSON($0) } ?? "")
                return [indent(e.step, state, extra: 2) + paint("⧗ would call \(name) \(request)", .yellow)]
            }
            if let error = e.error {
                return [indent(e.step, state, extra: 2) + paint("· \(e.effect ?? "") \(name) failed after \(formatMilliseconds(e.durationMs ?? 0)): \(error)", .red)]
            }
            guard showCalls else { return [] }
            return [indent(e.step, state, extra: 2) + paint("· \(e.effect ?? "") \(name) \(formatMilliseconds(e.durationMs ?? 0))", .dim)]
        case .log:
            let tint: Tint = e.level == "error" ? .red : e.level == "warn" ? .yellow : .dim
            return [indent(e.step, state, extra: 2) + paint("\(e.level ?? "info"): ", tint) + (e.message ?? "")]
        case .finding:
            let severity = (e.severity ?? "info").uppercased()
            let tint: Tint = ["CRITICAL", "HIGH"].contains(severity) ? .red : severity == "MEDIUM" ? .yellow : .magenta
            let code = e.code.map { " " + paint("[\($0)]", .bold) } ?? ""
            var lines = [indent(e.step, state, extra: 1) + paint("! \(severity)", tint) + code + " \(e.summary ?? "")"]
            if let detail = e.detail { lines.append(indent(e.step, state, extra: 2) + paint(UntrustedText.terminal(detail.plainOrJSON), .dim)) }
            return lines
        case .table:
            let pad = indent(e.step, state, extra: 1)
            let title = e.name.map { [pad + paint($0, .bold)] } ?? []
            return title + Self.aligned(e.columns ?? [], e.rows ?? []).enumerated().map { index, line in
                pad + (index == 0 ? paint(line, .bold) : line)
            }
        case .decision:
            return renderDecision(e)
        case .runFinished:
            let took = formatMilliseconds(e.durationMs ?? 0)
            var counts = ["\(e.findings ?? 0) finding\(e.findings == 1 ? "" : "s")"]
            if let planned = e.plannedActions, planned > 0 { counts.append("\(planned) planned action\(planned == 1 ? "" : "s")") }
            let tail = " in \(took) · " + counts.joined(separator: " · ")
            switch e.status {
            case "ok": return ["", paint("✓ ok", .green) + tail]
            case "stopped":
                // The error adds something only when it says where the run was (file:line).
                let where_ = e.error.flatMap { $0.hasPrefix("run stopped") ? nil : [paint("  at \($0)", .red)] } ?? []
                return ["", paint("■ stopped: \(e.reason ?? "")", .red) + tail] + where_
            case "invalid": return ["", paint("✗ cannot run: \(e.reason ?? e.error ?? "")", .red) + tail]
            case "interrupted": return ["", paint("✗ interrupted: \(e.reason ?? "")", .red)]
            default: return ["", paint("✗ failed: \(e.error ?? e.reason ?? "")", .red) + tail]
            }
        }
    }
}

extension TerminalRenderer {
    /// The event, the triggers it matched, each guardrail's verdict and the outcome.
    private func renderDecision(_ e: JournalEvent) -> [String] {
        let attempt = e.attempt.map { " · receive \($0)" } ?? ""
        // A delivery with no readable event (a malformed queue message) has no source or alarm to name.
        var lines = e.source == nil ? [paint("⚑ undecidable delivery", .bold) + paint(" · message \(e.eventId ?? "?")\(attempt)", .dim)]
            : [paint("⚑ \(e.source ?? "?") alarm \(e.name.map { "\"\($0)\"" } ?? "?") \(e.status ?? "")", .bold) + paint(" · event \(e.eventId ?? "?")\(attempt)", .dim)]
        for match in e.matches ?? [] {
            lines.append("  matched \(match.runbook) (trigger #\(match.trigger), \(match.constraints) constraint\(match.constraints == 1 ? "" : "s"))")
        }
        if let runbook = e.runbook {
            var chosen = "  chosen  \(runbook)"
            if let target = e.target { chosen += " · target \(target)" }
            if let mode = e.mode { chosen += " · " + (mode == "dry-run" ? "dry run" : mode) }
            lines.append(chosen)
            if let params = e.params?.tableValue, !params.fields.isEmpty {
                let text = params.fields.compactMap { key, value in key.stringValue.map { "\($0)=\(value.plainOrJSON)" } }.sorted().joined(separator: " ")
                lines.append(paint("  params  " + UntrustedText.terminal(text), .dim))
            }
        }
        for check in e.guardrails ?? [] {
            let mark = check.verdict == "ok" ? paint("✓", .green) : check.verdict == "refused" ? paint("✗", .red) : paint("·", .dim)
            lines.append("  \(mark) \(check.check)" + (check.detail.map { paint(" · \($0)", .dim) } ?? ""))
        }
        let reason = e.reason ?? ""
        switch e.outcome {
        case "run": lines.append(paint("  → run \(e.run)", .green) + (reason.isEmpty ? "" : paint(" · \(reason)", .dim)))
        case "refused": lines.append(paint("  ✗ refused: \(reason)", .red))
        case "invalid": lines.append(paint("  ✗ cannot run: \(reason)", .red))
        default: lines.append(paint("  · \(reason)", .dim))
        }
        return lines
    }
}

func formatMilliseconds(_ ms: Double) -> String {
    ms < 1000 ? "\(Int(ms.rounded())) ms" : formatSeconds(ms / 1000)
}

func formatSeconds(_ seconds: Double) -> String {
    seconds < 60 ? "\((seconds * 10).rounded() / 10) s" : "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
}

extension LuaValue {
    /// Strings as they are, anything else as compact JSON.
    public var plainOrJSONText: String { plainOrJSON }

    /// Strings as they are, anything else as compact JSON.
    var plainOrJSON: String {
        if case .string(let s) = self { return s }
        return (try? encodeJSON(self)) ?? description
    }
}

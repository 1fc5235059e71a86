import Foundation
import LuaKit
import Synchronization

/// Writes a run as a Markdown review document: what was read, every action a dry run
/// planned with its exact request, the steps and the findings. This is what a reviewer
/// reads before approving a runbook or a change.
public final class MarkdownReport: JournalSink {
    /// Where the report is written when the run finishes.
    public let path: String
    private let events = Mutex<[JournalEvent]>([])
    private let file: Int32

    /// A report to be written at `path`, opened now so a path that cannot be written stops
    /// the run before it starts. Like the journal, it is readable by its owner only (0600).
    ///
    /// - Throws: ``RunbookError`` naming the path and the reason (a folder, a missing folder, no permission).
    public init(path: String) throws {
        self.path = path
        // Not truncated yet: a run refused before it starts leaves an earlier report as it was.
        file = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            throw RunbookError(.io, "cannot write the report \(path): \(String(cString: strerror(errno)))",
                               hint: "pass --report a file path in a folder that exists")
        }
    }

    deinit { close(file) }

    public func record(_ event: JournalEvent) {
        events.withLock { $0.append(event) }
    }

    /// Writes the report; every failed or short write is an error, so a full disk or
    /// `/dev/full` is never a silent empty report.
    public func finish() throws {
        let bytes = Array(Self.render(events.withLock { $0 }).utf8)
        guard ftruncate(file, 0) == 0 || errno == EINVAL else {
            throw RunbookError(.io, "cannot write the report \(path): \(String(cString: strerror(errno)))")
        }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            guard result > 0 else {
                throw RunbookError(.io, "cannot write the report \(path): \(String(cString: strerror(result < 0 ? errno : EIO)))")
            }
            written += result
        }
    }

    /// The Markdown for a run's events. Every text from the run (names, errors, messages,
    /// requests) is escaped: no HTML, link or control character passes through.
    public static func render(_ events: [JournalEvent]) -> String {
        let text = UntrustedText.markdown
        guard let start = events.first(where: { $0.event == .runStarted }) else { return "# Run\n\nNo events.\n" }
        let end = events.last { $0.event == .runFinished }
        let dry = start.mode == "dry-run"
        let steps = Dictionary(events.filter { $0.event == .stepStarted }.compactMap { e in e.step.map { ($0, e.name ?? "") } },
                               uniquingKeysWith: { a, _ in a })
        // A code the engine checked is plain ASCII and safe in a code span; anything else (a
        // journal edited by hand) is escaped as text.
        func code(_ code: String) -> String { ParameterType.isCode(code) ? "`\(code)`" : text(code) }
        func stepLabel(_ step: Int?) -> String { step.map { "\($0). \(text(steps[$0] ?? ""))" } ?? "(no step)" }
        var out = "# \(dry ? "Dry run" : "Run"): \(text(start.runbook ?? "")) \(text(start.version ?? ""))\n\n"
        out += "| | |\n|---|---|\n"
        out += "| Run | \(text(start.run)) |\n"
        out += "| Mode | \(dry ? "dry run: reads and probes ran live; nothing was changed" : "live") |\n"
        out += "| File | \(text(start.file ?? "")) |\n"
        out += "| SHA-256 | \(text(start.sha256 ?? "")) |\n"
        out += "| Started | \(text(start.time)) |\n"
        if let decision = events.first(where: { $0.event == .decision }) {
            out += "| Started by | \(text(decision.source ?? "")) alarm \(text(decision.name ?? "")) \(text(decision.status ?? "")), event \(text(decision.eventId ?? ""))"
            out += decision.target.map { ", target \(text($0))" } ?? ""
            out += " |\n"
        }
        if let end {
            out += "| Result | **\(text(end.status ?? ""))** (exit \(end.exitCode ?? 0)) in \(formatMilliseconds(end.durationMs ?? 0))"
            out += (end.error ?? end.reason).map { ": \(text($0))" } ?? ""
            out += " |\n"
        } else {
            out += "| Result | the run did not finish |\n"
        }
        out += "\n## Parameters\n\n" + fenced(start.params ?? [:])

        let planned = events.filter { $0.event == .call && $0.planned == true }
        out += "\n## Planned actions (\(planned.count))\n\n"
        if planned.isEmpty {
            out += dry ? "None: this run would change nothing.\n" : "None: this was a live run.\n"
        } else {
            out += "None of these was sent. Each is the exact request a live run would send at this point.\n\n"
            for (offset, call) in planned.enumerated() {
                out += "\(offset + 1). **\(text(call.service ?? "")).\(text(call.operation ?? ""))** in step \(stepLabel(call.step))"
                out += call.summary.map { ": \(text($0))" } ?? ""
                out += "\n\n" + fenced(call.request ?? [:], indent: "   ")
            }
        }

        out += "\n## Steps\n\n| # | Step | Status | Duration | Attempts | Result or error |\n|---|---|---|---|---|---|\n"
        for e in events where e.event == .stepFinished {
            let outcome = e.error ?? e.result.map(\.plainOrJSON) ?? ""
            out += "| \(e.step ?? 0) | \(text(e.name ?? "")) | \(text(e.status ?? "")) | \(formatMilliseconds(e.durationMs ?? 0)) | \(e.attempt ?? 1) | \(text(String(outcome.prefix(300)))) |\n"
        }

        let reads = events.filter { $0.event == .call && $0.planned != true }
        out += "\n## What was read (\(reads.count) calls)\n\n"
        if reads.isEmpty {
            out += "No calls.\n"
        } else {
            out += "| Step | Call | Class | Latency | Request id | Outcome |\n|---|---|---|---|---|---|\n"
            for call in reads {
                out += "| \(stepLabel(call.step)) | \(text(call.service ?? "")).\(text(call.operation ?? "")) | \(text(call.effect ?? "")) | \(formatMilliseconds(call.durationMs ?? 0)) | \(text(call.requestId ?? "")) | \(text(call.error ?? "ok")) |\n"
            }
        }

        let findings = events.filter { $0.event == .finding }
        out += "\n## Findings (\(findings.count))\n\n"
        out += findings.isEmpty ? "None.\n" : findings.map { f in
            "- **\(text((f.severity ?? "info").uppercased()))** " + (f.code.map { "\(code($0)) " } ?? "")
                + text(f.summary ?? "") + (f.detail.map { ": \(text($0.plainOrJSON))" } ?? "")
                + " (step \(stepLabel(f.step)))"
        }.joined(separator: "\n") + "\n"

        for table in events where table.event == .table {
            out += "\n## \(text(table.name ?? "Summary"))\n\n"
            let columns = table.columns ?? []
            out += "| " + columns.map(text).joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: columns.count) + "\n"
            for row in table.rows ?? [] { out += "| " + row.map(text).joined(separator: " | ") + " |\n" }
        }

        let logs = events.filter { $0.event == .log }
        if !logs.isEmpty {
            out += "\n## Log\n\n" + logs.map { "- \(text($0.time)) [\(text($0.level ?? "info"))] \(text($0.message ?? ""))" }.joined(separator: "\n") + "\n"
        }
        return out
    }

    /// A value as a JSON code block, fenced longer than any backtick run inside it.
    private static func fenced(_ value: LuaValue, indent: String = "") -> String {
        // JSON escapes C0 controls in strings itself; each line is made visible for the rest (DEL, C1, bidi).
        let lines = ((try? encodeJSON(value, pretty: true)) ?? value.description)
            .split(separator: "\n", omittingEmptySubsequences: false).map { UntrustedText.terminal(String($0)) }
        let fence = UntrustedText.fence(for: lines.joined())
        let body = lines.map { indent + $0 }.joined(separator: "\n")
        return "\(indent)\(fence)json\n\(body)\n\(indent)\(fence)\n"
    }
}

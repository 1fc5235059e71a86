import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Approvals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approvals",
            abstract: "List the runbook versions approved for automated runs, and whether the files still match.",
            discussion: """
                Reads runbooks.lock in each runbook folder. Each entry is approved (the file is the one
                approved), changed (the runbook has another version or other bytes now: re-approve it) or
                missing (no runbook has the name). Exits 2 when a lock is malformed, else 0.
                """)

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let catalog = try global.catalog()
            var malformed = false
            let reviews = ApprovalReview.of(directories: catalog.directories, runbooks: catalog.entries())
            if reviews.isEmpty {
                standardOutput(UntrustedText.terminal("no approvals: no runbook folder at \(catalog.directories.joined(separator: ", "))") + "\n")
            }
            for review in reviews {
                switch review.entries {
                case .failure(let error):
                    malformed = true
                    standardError("runbook: error: \(error)\n")
                case .success(let entries):
                    var text = "\(review.lock)\n"
                    if entries.isEmpty { text += "  (no approvals)\n" }
                    for entry in entries {
                        let approval = entry.approval
                        let problem = staleApproval(entry, lock: review.lock) ?? ""
                        switch entry.state {
                        case .approved:
                            text += "  approved  \(approval.name) \(approval.version) sha256=\(shortHash(approval.sha256))"
                                + " by \(approval.approvedBy) at \(approval.approvedAt.formatted(.iso8601))\n"
                        case .changed: text += "  changed   \(problem)\n"
                        case .missing: text += "  missing   \(problem)\n"
                        }
                    }
                    standardOutput(UntrustedText.terminalLines(text))
                }
            }
            if malformed { throw ExitCode(ExitStatus.usage.rawValue) }
        }
    }
}

/// What is wrong with an entry whose runbook changed or is gone, and what to do about it; nil
/// when the file is the one approved.
func staleApproval(_ entry: ApprovalReview.Entry, lock: String) -> String? {
    let approval = entry.approval
    let approved = "\(approval.name) is approved at \(approval.version) sha256=\(shortHash(approval.sha256))"
    switch entry.state {
    case .approved:
        return nil
    case .changed(let runbook):
        return "\(approved) but \(runbook.file) is \(runbook.version) sha256=\(shortHash(runbook.sha256)); re-approve with runbook approve \(approval.name)"
    case .missing:
        return "\(approved) in \(lock) but no runbook has that name; delete its line or restore the runbook"
    }
}

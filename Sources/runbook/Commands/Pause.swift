import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause",
            abstract: "Stop every automated run until `runbook resume`.",
            discussion: "`runbook trigger` checks the pause before every run and refuses (exit 4) while it holds. Runs already going finish.")

        @OptionGroup var state: StateOptions

        @Option(help: "Why, shown in every refusal while paused.")
        var reason: String?

        @Option(help: "Who paused (default: $USER).")
        var by: String?

        func run() async throws {
            let store = try await state.open()
            let who = by ?? ProcessInfo.processInfo.environment["USER"]
            do { try await store.pause(reason: reason, by: who, at: Date()) } catch { throw fail(error) }
            standardOutput(UntrustedText.terminal("automated runs paused" + (reason.map { ": \($0)" } ?? "")) + "\n")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Lift `runbook pause`, or the hold an interrupted run left on a target.",
            discussion: """
                A run whose process died after it had sent a mutating call holds its target: no automated run
                starts for it until a person has looked. --target TARGET lifts that hold (the target as the
                refusal names it, such as cluster_name=demo).
                """)

        @OptionGroup var state: StateOptions

        @Option(help: "Lift the hold on this target instead of the global pause.")
        var target: String?

        func run() async throws {
            let store = try await state.open()
            do {
                if let target {
                    let lifted = try await store.clearHold(target: target)
                    standardOutput(UntrustedText.terminal(lifted ? "hold on \(target) lifted" : "no hold on \(target)") + "\n")
                } else {
                    let lifted = try await store.resume()
                    standardOutput(lifted ? "automated runs resumed\n" : "automated runs were not paused\n")
                }
            } catch { throw fail(error) }
        }
    }
}


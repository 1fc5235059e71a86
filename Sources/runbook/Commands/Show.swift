import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a runbook's description, parameters and triggers.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "A runbook name or file.")
        var runbook: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let loaded: Runbook
            do {
                let catalog = try global.catalog()
                loaded = try catalog.engine.inspect(file: try catalog.resolve(runbook))
            } catch let error as RunbookError { throw fail(error) }
            if json {
                standardOutput(String(decoding: try JSONSerialization.data(withJSONObject: describe(loaded), options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]), as: UTF8.self) + "\n")
                return
            }
            // Every part of this text comes from the runbook file.
            standardOutput(UntrustedText.terminalLines(Self.text(of: loaded)))
        }

        /// The runbook as `show` prints it, before escaping: what `approve` shows a reviewer too.
        static func text(of loaded: Runbook) -> String {
            var text = "\(loaded.name) \(loaded.version)\n\n\(loaded.description)\n\nfile:   \(loaded.file)\nsha256: \(loaded.sha256)\n"
            text += "\nparameters:\n"
            if loaded.params.isEmpty { text += "  (none)\n" }
            for param in loaded.params {
                var line = "  \(param.name) (\(param.type.rawValue)"
                line += param.required && param.defaultValue == nil ? ", required" : ""
                line += param.defaultValue.map { ", default \(param.secret ? Redactor.mask : $0.plainOrJSONText)" } ?? ""
                line += param.secret ? ", secret" : ""
                line += ")"
                if !param.doc.isEmpty { line += "  \(param.doc)" }
                if let choices = param.choices { line += "  [\(choices.joined(separator: "|"))]" }
                text += line + "\n"
            }
            if !loaded.triggers.isEmpty {
                text += "\ntriggers:\n"
                for trigger in loaded.triggers {
                    let constraints = [trigger.namespace, trigger.metric, trigger.alarm.map { "alarm \($0)" }].compactMap { $0 }
                        + (trigger.dimensions.merging(trigger.labels) { first, _ in first }).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    let what = "\(trigger.source.rawValue) \(trigger.state): " + constraints.joined(separator: " ")
                    let fills = trigger.params.sorted { $0.key < $1.key }.map { "\($0.key) <- \($0.value)" }.joined(separator: ", ")
                    text += "  \(what)" + (fills.isEmpty ? "" : ": \(fills)") + "\n"
                }
            }
            if let timeout = loaded.limits.timeout { text += "\ntimeout: \(timeout) s\n" }
            return text
        }
    }
}

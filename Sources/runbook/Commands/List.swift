import ArgumentParser
import Foundation
import LuaKit
import RunbookEngine

extension RunbookCLI {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the runbooks: name, version and summary. Reads files only; no network.")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print a JSON array instead of a table.")
        var json = false

        func run() async throws {
            let catalog = try global.catalog()
            let entries = catalog.entries()
            let runbooks = entries.compactMap { try? $0.result.get() }
            if json {
                let items = runbooks.map { describe($0) }
                standardOutput(String(decoding: try JSONSerialization.data(withJSONObject: items, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]), as: UTF8.self) + "\n")
            } else if runbooks.isEmpty {
                standardOutput("no runbooks in \(catalog.directories.joined(separator: ", "))\n")
            } else {
                let nameWidth = runbooks.map(\.name.count).max() ?? 0
                let versionWidth = runbooks.map { $0.version.description.count }.max() ?? 0
                let lines = runbooks.sorted { $0.name < $1.name }.map { runbook in
                    runbook.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                        + runbook.version.description.padding(toLength: versionWidth, withPad: " ", startingAt: 0) + "  " + runbook.summary
                }
                standardOutput(lines.map(UntrustedText.terminal).joined(separator: "\n") + "\n")
            }
            for entry in entries {
                if case .failure(let error) = entry.result {
                    standardError("runbook: warning: skipped \(entry.file): \(error.message)\n")
                }
            }
        }
    }
}

/// A runbook as a JSON-ready dictionary, for `list --json` and `show --json`.
func describe(_ runbook: Runbook) -> [String: Any] {
    [
        "name": runbook.name, "version": runbook.version.description, "description": runbook.description,
        "file": runbook.file, "sha256": runbook.sha256,
        "params": runbook.params.map { param -> [String: Any] in
            var item: [String: Any] = ["name": param.name, "type": param.type.rawValue, "required": param.required, "doc": param.doc, "secret": param.secret]
            if let value = param.defaultValue { item["default"] = param.secret ? Redactor.mask : jsonObject(value) }
            if let choices = param.choices { item["choices"] = choices }
            return item
        },
        "triggers": runbook.triggers.map { trigger -> [String: Any] in
            var item: [String: Any] = ["source": trigger.source.rawValue, "state": trigger.state, "params": trigger.params]
            if let namespace = trigger.namespace { item["namespace"] = namespace }
            if let metric = trigger.metric { item["metric"] = metric }
            if let alarm = trigger.alarm { item["alarm"] = alarm }
            if !trigger.dimensions.isEmpty { item["dimensions"] = trigger.dimensions }
            if !trigger.labels.isEmpty { item["labels"] = trigger.labels }
            return item
        },
    ]
}

/// A Lua value as a JSONSerialization object, so `--json` output keeps numbers and booleans typed.
func jsonObject(_ value: LuaValue) -> Any {
    guard let data = try? JSONEncoder().encode(value),
        let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    else { return value.plainOrJSONText }
    return object
}

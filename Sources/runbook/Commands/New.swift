import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Write a runbook skeleton, with editor annotations and a .luarc.json for lua-language-server.",
            discussion: """
                `runbook new msk.storage` writes runbooks/msk/storage.lua, and in the runbook folder
                .runbook/runbook.lua (the annotations), .luarc.json (pointing lua-language-server at them)
                and .luacheckrc (the sandbox's globals). An existing runbook file is never overwritten.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The runbook's name: letters, digits, '.', '_', '-' (msk.storage).")
        var name: String

        @Option(help: ArgumentHelp("The runbook folder to write into (default: the first runbook folder).", valueName: "dir"))
        var dir: String?

        func validate() throws {
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
                  !name.hasPrefix("."), !name.hasSuffix("."), !name.contains("..")
            else {
                throw ValidationError("a runbook name has letters, digits, '.', '_' and '-', and no empty part: not '\(name)'")
            }
        }

        func run() async throws {
            let folder = dir ?? global.directories.first ?? "runbooks"
            let file = "\(folder)/\(name.replacingOccurrences(of: ".", with: "/")).lua"
            guard !FileManager.default.fileExists(atPath: file) else {
                throw fail(RunbookError(.invalid, "\(file) exists already", hint: "pick another name, or edit that file"))
            }
            let engine = try global.engine()
            do {
                try write(RunbookTemplate.skeleton(name: name), to: file)
                try write(try engine.apiReference(.luals), to: "\(folder)/.runbook/runbook.lua")
                try write(RunbookTemplate.luarc, to: "\(folder)/.luarc.json")
                try write(try engine.apiReference(.luacheck), to: "\(folder)/.luacheckrc")
            } catch let error as RunbookError { throw fail(error) }
            standardOutput("""
                wrote \(file)
                wrote \(folder)/.runbook/runbook.lua, \(folder)/.luarc.json and \(folder)/.luacheckrc for editors
                next: runbook validate --strict \(file) && runbook run \(name) --dry-run

                """)
        }

        private func write(_ text: String, to path: String) throws {
            let directory = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                throw RunbookError(.io, "cannot write \(path): \(error.localizedDescription)")
            }
        }
    }
}

/// What `runbook new` writes.
enum RunbookTemplate {
    static func skeleton(name: String) -> String {
        """
        -- \(name): say in one line what this runbook is for.
        return runbook {
          name = "\(name)",
          version = "0.1.0",
          description = [[
        What this runbook is for. The first line is the summary `runbook list` shows.
        ]],
          params = {
            cluster_arn = { type = "string", required = true, doc = "The MSK cluster's ARN" },
          },
          run = function(p)
            local cluster = step("Describe the cluster", { timeout = 30, retries = 2 }, function()
              return kafka.describe_cluster(p.cluster_arn).clusterInfo
            end)
            step("Judge", function()
              if cluster.state ~= "ACTIVE" then
                finding { severity = "high", code = "cluster-not-active", summary = "the cluster is " .. tostring(cluster.state) }
              end
            end)
          end,
        }

        """
    }

    /// lua-language-server settings: Lua 5.4 and the generated annotations, nothing else.
    static let luarc = """
        {
          "runtime.version": "Lua 5.4",
          "workspace.library": [".runbook"],
          "workspace.checkThirdParty": false,
          "diagnostics.globals": []
        }

        """
}

import ArgumentParser
import RunbookEngine

extension RunbookCLI {
    struct Api: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "api",
            abstract: "Print the Lua API reference, editor annotations or a luacheck config, generated from the modules.",
            discussion: """
                markdown  the reference for people (docs/lua-api.md is this output)
                luals     a ---@meta file for lua-language-server: completion and type checks in VS Code and Neovim
                luacheck  a luacheck config allowing exactly the sandbox's globals
                """)

        @Option(help: ArgumentHelp("markdown, luals or luacheck.", valueName: "format"))
        var format: String = "markdown"

        func validate() throws {
            guard APIFormat(rawValue: format) != nil else {
                throw ValidationError("--format must be one of \(APIFormat.allCases.map(\.rawValue).joined(separator: ", ")), not '\(format)'")
            }
        }

        func run() async throws {
            guard let format = APIFormat(rawValue: format) else { return }
            let engine = try GlobalOptions().engine()
            do { standardOutput(try engine.apiReference(format)) } catch { throw fail(error) }
        }
    }
}

import Foundation
import RunbookEngine
import Spawn

/// `runbook validate --strict`: luacheck over runbook files with the generated config.
enum Luacheck {
    /// luacheck's problems as `file:line:column: (code) message`, one a line.
    ///
    /// - Throws: ``RunbookError`` when luacheck is not installed or cannot run: strict
    ///   validation never passes silently.
    static func check(files: [String], config: String) async throws -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/luacheck" }
        guard let executable = candidates.first(where: FileManager.default.isExecutableFile) else {
            throw RunbookError(.notFound, "--strict needs luacheck, which is not on PATH",
                               hint: "install it (Debian: apt-get install lua-check), or validate without --strict")
        }
        let configFile = NSTemporaryDirectory() + "runbook-luacheck-\(UUID().uuidString).luacheckrc"
        guard FileManager.default.createFile(atPath: configFile, contents: Data(config.utf8)) else {
            throw RunbookError(.io, "cannot write a luacheck config to \(configFile)")
        }
        defer { try? FileManager.default.removeItem(atPath: configFile) }
        let finished: Spawn.Finished
        do {
            finished = try await Spawn.run(executable, ["--config", configFile, "--formatter", "plain", "--codes", "--no-color", "--"] + files)
        } catch {
            throw RunbookError(.io, "cannot run \(executable): \(error)")
        }
        let text = String(decoding: finished.stdout + finished.stderr, as: UTF8.self)
        // 0: clean, 1: warnings, 2: errors in files (syntax); anything else is luacheck failing.
        guard case .exited(let code) = finished.status, (0...2).contains(code) else {
            throw RunbookError(.io, "luacheck failed (\(finished.status)): \(text.prefix(500))")
        }
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}

import Foundation
import TestSupport

/// Runs the built `runbook` binary, with journals in a private state folder.
struct CLI {
    /// The binary `swift build` made next to the test bundle.
    static let binary = builtProduct("runbook")

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    let home: String

    init() {
        home = NSTemporaryDirectory() + "runbook-cli-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: home + "/runbooks", withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: home) }

    var journalFolder: String { home + "/state/runbook/runs" }

    @discardableResult
    func write(_ name: String, _ source: String) -> String {
        let path = home + "/" + name
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(source.utf8))
        return path
    }

    func process(_ arguments: [String], environment extra: [String: String] = [:]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: home)
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_STATE_HOME"] = home + "/state"
        environment["RUNBOOK_PATH"] = nil
        environment["NO_COLOR"] = "1"
        // The developer's own AWS settings must not leak into a test.
        for key in environment.keys where key.hasPrefix("AWS_") { environment[key] = nil }
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        return (process, out, err)
    }

    /// Runs the binary and waits without blocking a thread: Swift Testing's pool has one
    /// thread per core, and a blocked one starves every other test's timers.
    func run(environment: [String: String] = [:], _ arguments: String...) async throws -> Output {
        try await run(environment: environment, arguments)
    }

    func run(environment: [String: String] = [:], _ arguments: [String]) async throws -> Output {
        let (process, _, _) = process(arguments, environment: environment)
        let outPath = home + "/.stdout-" + UUID().uuidString
        let errPath = home + "/.stderr-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        try? out.close()
        try? err.close()
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

let helloRunbook = """
    return runbook {
      name = "cli.hello",
      version = "1.0.0",
      description = "Say hello",
      params = {
        who   = { type = "string", required = true, doc = "Who to greet" },
        times = { type = "integer", default = 1 },
      },
      run = function(p)
        for i = 1, p.times do
          step("greet " .. i, function() log.info("hello " .. p.who) end)
        end
      end,
    }
    """

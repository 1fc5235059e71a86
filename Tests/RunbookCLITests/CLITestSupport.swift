import Foundation

/// Runs the built `runbook` binary, with journals in a private state folder.
struct CLI {
    /// The folder of the test bundle holds the binaries `swift build` made.
    static let binary: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = (executable as NSString).deletingLastPathComponent
        while !FileManager.default.fileExists(atPath: folder + "/runbook"), folder.count > 1 {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder + "/runbook"
    }()

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

    func process(_ arguments: [String]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: home)
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_STATE_HOME"] = home + "/state"
        environment["RUNBOOK_PATH"] = nil
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        return (process, out, err)
    }

    func run(_ arguments: String...) throws -> Output {
        let (process, out, err) = process(arguments)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
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

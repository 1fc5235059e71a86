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

    /// The environment of a run: the private state folder, no colours, and none of the developer's own
    /// AWS settings, which must not leak into a test.
    func childEnvironment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_STATE_HOME"] = home + "/state"
        environment["RUNBOOK_PATH"] = nil
        environment["NO_COLOR"] = "1"
        for key in environment.keys where key.hasPrefix("AWS_") { environment[key] = nil }
        return environment.merging(extra) { $1 }
    }

    /// Starts the binary and returns at once; its output is discarded unless `output` says where it goes.
    func start(_ arguments: [String], environment: [String: String] = [:], output: ChildProcess.Output = .discard) throws -> ChildProcess {
        try ChildProcess.start(Self.binary, arguments, environment: childEnvironment(environment), directory: home, output: output)
    }

    /// Runs the binary to its end.
    func run(environment: [String: String] = [:], _ arguments: String...) async throws -> Output {
        try await run(environment: environment, arguments)
    }

    func run(environment: [String: String] = [:], _ arguments: [String]) async throws -> Output {
        let outcome = try await ChildProcess.run(Self.binary, arguments, environment: childEnvironment(environment), directory: home)
        guard case .exited(let status) = outcome.status else { throw TestServerError("runbook ended with \(outcome.status)") }
        return Output(status: status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    /// Runs the binary to its end under GNU time, and returns its output and the most memory it held
    /// at once (its peak resident set), in bytes.
    ///
    /// Not wait4's rusage of the child: this process starts children with posix_spawn, which shares
    /// its memory with the child until exec, and Linux carries that memory's high-water mark into the
    /// child at exec, so a child of a 500 MB test process reports at least 500 MB. GNU time's own
    /// child starts from time's megabyte or two.
    func runMeasuringPeakMemory(_ arguments: String...) async throws -> (output: Output, peakBytes: Int) {
        let report = home + "/peak-rss-kb"
        let outcome = try await ChildProcess.run("/usr/bin/time", ["-f", "%M", "-o", report, Self.binary] + arguments,
                                                 environment: childEnvironment([:]), directory: home)
        guard case .exited(let status) = outcome.status else { throw TestServerError("runbook ended with \(outcome.status)") }
        let text = try String(contentsOfFile: report, encoding: .utf8)
        guard let kilobytes = text.split(whereSeparator: \.isNewline).last.flatMap({ Int($0) }) else {
            throw TestServerError("GNU time wrote no peak RSS: \(text)")
        }
        return (Output(status: status, stdout: outcome.stdout, stderr: outcome.stderr), kilobytes * 1_024)
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

import Dispatch
import Foundation
import Glibc
// Re-exported: tests name ChildProcess.ExitStatus cases, which Spawn defines.
@_exported public import Spawn
import Synchronization

/// A process a test starts, a server or a tool, and stops by its PID.
///
/// Started by ``Spawn``, the program's one launcher, so the child has clean signal state. Nothing
/// blocks a thread of Swift Testing's pool, which has one thread per core, so one blocked test stalls
/// every other test's timers: waiting for an exit polls `waitpid(WNOHANG)` between `Task.sleep`s, and
/// reading a line blocks a dispatch thread instead.
public final class ChildProcess: Sendable {
    /// Where the child's standard input comes from.
    public enum Input: Sendable {
        /// /dev/null.
        case empty
        /// A file's contents.
        case file(String)
        /// Lines the test writes with ``send(_:)``; end of input at ``closeInput()`` or ``stop(grace:)``.
        case lines
    }

    /// Where the child's standard output and error go.
    public enum Output: Sendable {
        /// /dev/null.
        case discard
        /// Both appended to a file, a log to read when something fails.
        case file(String)
        /// Output to a file, errors to another.
        case files(stdout: String, stderr: String)
        /// Output read line by line with ``readLine(timeout:)``; errors to /dev/null.
        case lines
    }

    /// How a child ended.
    public typealias ExitStatus = Spawn.ExitStatus

    /// The child's process id.
    public var pid: Int32 { reaper.pid }
    private let command: String
    private let reaper: Reaper
    private let input: Mutex<Int32>
    private let output: LineReader?

    private init(pid: Int32, command: String, input: Int32, output: LineReader?) {
        self.reaper = Reaper(pid: pid)
        self.command = command
        self.input = Mutex(input)
        self.output = output
    }

    deinit {
        closeInput()
        if reaper.status(waiting: false) == nil {
            reaper.signal(SIGKILL)
            reaper.reapInBackground()
        }
    }

    /// Starts `executable` (a path, or a name looked up on PATH) with `arguments`.
    ///
    /// - Parameter environment: the child's whole environment; nil passes on the test process's own.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             directory: String? = nil, input: Input = .empty,
                             output: Output = .discard) throws -> ChildProcess {
        // The child's ends of the channels are closed here once it has them.
        var childEnds: [Int32] = []
        defer { for fd in childEnds { Glibc.close(fd) } }
        var parentInput: Int32 = -1
        var parentOutput: Int32 = -1
        do {
            let stdin: Spawn.Input
            switch input {
            case .empty: stdin = .null
            case .file(let path): stdin = .file(path)
            case .lines:
                let (parent, child) = try channel()
                parentInput = parent
                childEnds.append(child)
                stdin = .descriptor(child)
            }
            let (stdout, stderr): (Spawn.Output, Spawn.Output)
            switch output {
            case .discard: (stdout, stderr) = (.null, .null)
            case .file(let path): (stdout, stderr) = (.file(path), .standardOutput)
            case .files(let out, let err): (stdout, stderr) = (.file(out), .file(err))
            case .lines:
                let (parent, child) = try channel()
                parentOutput = parent
                childEnds.append(child)
                (stdout, stderr) = (.descriptor(child), .null)
            }
            let pid: Int32
            do {
                pid = try Spawn.start(executable, arguments, environment: environment, directory: directory,
                                      input: stdin, output: stdout, error: stderr)
            } catch {
                throw TestServerError(error.description)
            }
            return ChildProcess(pid: pid, command: executable, input: parentInput,
                                output: parentOutput >= 0 ? LineReader(fd: parentOutput) : nil)
        } catch {
            for fd in [parentInput, parentOutput] where fd >= 0 { Glibc.close(fd) }
            throw error
        }
    }

    /// How the child ended, reaping it; nil while it runs.
    public var exitStatus: ExitStatus? { reaper.status(waiting: false) }

    /// True until the child has exited.
    public var isRunning: Bool { exitStatus == nil }

    /// Sends `signal` unless the child has been reaped (its PID may belong to another process by then).
    public func signal(_ signal: Int32) { reaper.signal(signal) }

    /// Waits for the child to exit, polling, for at most `timeout` (nil: however long it takes).
    @discardableResult
    public func waitForExit(timeout: Duration? = nil) async throws -> ExitStatus {
        let deadline = timeout.map { ContinuousClock.now.advanced(by: $0) }
        var pause = Duration.milliseconds(1)
        while true {
            if let exitStatus { return exitStatus }
            if let deadline, ContinuousClock.now >= deadline {
                throw TestServerError("\(command) (pid \(pid)) still runs after \(timeout ?? .zero)")
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    /// Stops the child: end of input, SIGTERM, and SIGKILL if it still runs after `grace`; returns once it is reaped.
    public func stop(grace: Duration = .seconds(5)) async {
        closeInput()
        signal(SIGTERM)
        if (try? await waitForExit(timeout: grace)) != nil { return }
        signal(SIGKILL)
        // Waiting throws only when the task is cancelled; the killed child is then reaped on a dispatch thread.
        if (try? await waitForExit()) == nil { reaper.reapInBackground() }
    }

    /// Kills the child with SIGKILL at once, for callers that cannot wait; a dispatch thread reaps it.
    public func kill() {
        closeInput()
        signal(SIGKILL)
        reaper.reapInBackground()
    }

    /// Writes `line` and a newline to the child's input (``Input/lines``).
    public func send(_ line: String) throws {
        let bytes = Array((line + "\n").utf8)
        try input.withLock { fd in
            guard fd >= 0 else { throw TestServerError("\(command) has no input open") }
            var written = 0
            while written < bytes.count {
                // MSG_NOSIGNAL: a child that exited must not take the test process down with SIGPIPE.
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress.map { $0 + written }, $0.count - written, Int32(MSG_NOSIGNAL)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw TestServerError("cannot write to \(command): \(String(cString: strerror(errno)))") }
                written += n
            }
        }
    }

    /// Ends the child's input (``Input/lines``); idempotent.
    public func closeInput() {
        input.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    /// The next line of the child's output (``Output/lines``), without its newline.
    public func readLine(timeout: Duration = .seconds(15)) async throws -> String {
        guard let output else { throw TestServerError("\(command)'s output is not read by the test") }
        return try await output.readLine(timeout: timeout, from: command)
    }

    /// What a tool run by ``run(_:_:input:environment:directory:timeout:)`` printed, and how it ended.
    public struct Outcome: Sendable {
        /// How it ended.
        public let status: ExitStatus
        /// Its standard output.
        public let stdout: String
        /// Its standard error.
        public let stderr: String

        /// The standard output of a tool that exited with 0; anything else is an error naming its output.
        @discardableResult
        public func check() throws -> String {
            guard status == .exited(0) else { throw TestServerError("\(command) ended with \(status):\n\(stderr)\(stdout)") }
            return stdout
        }

        fileprivate let command: String
    }

    /// Runs a tool to its end and returns what it printed. Output goes through files, so no pipe can fill
    /// up, and no read blocks.
    ///
    /// - Parameter input: the tool's standard input; nil gives it /dev/null.
    public static func run(_ executable: String, _ arguments: [String], input: String? = nil,
                           environment: [String: String]? = nil, directory: String? = nil,
                           timeout: Duration = .seconds(120)) async throws -> Outcome {
        let base = NSTemporaryDirectory() + "child-" + UUID().uuidString
        let (stdout, stderr, stdin) = (base + ".out", base + ".err", base + ".in")
        defer { for path in [stdout, stderr, stdin] { try? FileManager.default.removeItem(atPath: path) } }
        if let input { try input.write(toFile: stdin, atomically: false, encoding: .utf8) }
        let child = try start(executable, arguments, environment: environment, directory: directory,
                              input: input == nil ? .empty : .file(stdin), output: .files(stdout: stdout, stderr: stderr))
        let status: ExitStatus
        do {
            status = try await child.waitForExit(timeout: timeout)
        } catch {
            await child.stop(grace: .zero)
            throw error
        }
        let text = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Outcome(status: status, stdout: text(stdout), stderr: text(stderr),
                       command: ([executable] + arguments).joined(separator: " "))
    }

}

/// A child's PID and, once it is reaped, how it ended; shared with the dispatch thread that reaps a killed
/// child after its `ChildProcess` is gone.
private final class Reaper: Sendable {
    let pid: Int32
    /// Set once the child is reaped; from then on its PID may belong to another process and is not signalled.
    private let status = Mutex<ChildProcess.ExitStatus?>(nil)

    init(pid: Int32) {
        self.pid = pid
        _ = Self.running.withLock { $0.insert(pid) }
        _ = Self.killAtExit
    }

    /// How the child ended, reaping it; nil while it runs, unless `waiting` blocks until it ends.
    func status(waiting: Bool) -> ChildProcess.ExitStatus? {
        status.withLock { status in
            guard status == nil else { return status }
            status = Spawn.reap(pid, waiting: waiting)
            if status != nil { Self.running.withLock { _ = $0.remove(pid) } }
            return status
        }
    }

    /// Children not yet reaped. A server a suite shares for all its tests (``SharedMotoServer``) is
    /// held by a static and never stopped by a test, so the test process kills what is left when it
    /// exits: no server outlives the run that started it.
    private static let running = Mutex<Set<Int32>>([])
    private static let killAtExit: Void = {
        atexit {
            for pid in Reaper.running.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
    }()

    func signal(_ signal: Int32) {
        status.withLock { status in
            if status == nil { kill(pid, signal) }
        }
    }

    /// Blocks a dispatch thread, never one of Swift Testing's, until the (killed) child is reaped.
    func reapInBackground() {
        DispatchQueue.global().async { _ = self.status(waiting: true) }
    }
}

/// A connected pair of sockets, both close-on-exec so that no other child inherits them: the parent's
/// end, and the child's end that posix_spawn duplicates onto a standard descriptor.
private func channel() throws -> (parent: Int32, child: Int32) {
    var fds: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
        throw TestServerError("socketpair: \(String(cString: strerror(errno)))")
    }
    return (fds[0], fds[1])
}

/// A child's output, read line by line on a serial dispatch queue.
private final class LineReader: @unchecked Sendable {
    // @unchecked: `buffer` is only touched on `queue`.
    private let fd: Int32
    private let queue = DispatchQueue(label: "TestSupport.ChildProcess.output")
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    deinit { Glibc.close(fd) }

    func readLine(timeout: Duration, from command: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.nextLine(timeout: timeout, from: command) }) }
        }
    }

    private func nextLine(timeout: Duration, from command: String) throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                defer { buffer.removeSubrange(...newline) }
                return String(decoding: buffer[..<newline], as: UTF8.self)
            }
            let left = deadline - .now
            guard left > .zero else { throw TestServerError("\(command) printed no line within \(timeout)") }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1_000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&ready, 1, milliseconds) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4_096)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw TestServerError("\(command) closed its output") }
            buffer += chunk.prefix(n)
        }
    }
}

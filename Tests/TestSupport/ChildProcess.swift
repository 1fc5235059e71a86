import Dispatch
import Foundation
import Glibc
import Synchronization

/// A process a test starts, a server or a tool, and stops by its PID.
///
/// posix_spawn rather than Foundation's `Process`: `Process` hands the spawning thread's signal mask to
/// the child, and Swift concurrency threads block SIGTERM, so a server started that way ignores
/// `kill(pid, SIGTERM)`; here the child starts with an empty mask and default dispositions. Nothing
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
    public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
        /// It returned or called exit with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signalled(let signal): return "signal \(signal)"
            }
        }
    }

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
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        var empty = sigset_t()
        var all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // The child's ends of the channels are closed here once it has them.
        var childEnds: [Int32] = []
        defer { for fd in childEnds { Glibc.close(fd) } }
        var parentInput: Int32 = -1
        var parentOutput: Int32 = -1
        do {
            switch input {
            case .empty: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
            case .lines:
                let (parent, child) = try channel()
                parentInput = parent
                childEnds.append(child)
                posix_spawn_file_actions_adddup2(&actions, child, 0)
            }
            let append = O_WRONLY | O_CREAT | O_APPEND
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, 1, path, append, 0o644)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .files(let stdout, let stderr):
                posix_spawn_file_actions_addopen(&actions, 1, stdout, append, 0o644)
                posix_spawn_file_actions_addopen(&actions, 2, stderr, append, 0o644)
            case .lines:
                let (parent, child) = try channel()
                parentOutput = parent
                childEnds.append(child)
                posix_spawn_file_actions_adddup2(&actions, child, 1)
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
            if let directory {
                let failed = try glibc("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)(&actions, directory)
                guard failed == 0 else { throw TestServerError("cannot start a child in \(directory): \(String(cString: strerror(failed)))") }
            }
            // Only the three standard descriptors reach the child. Any other it inherited, such as the write
            // end of a pipe another test reads to its end, would stay open for as long as this child lives.
            let closing = try glibc("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)(&actions, 3)
            guard closing == 0 else { throw TestServerError("cannot start \(executable): \(String(cString: strerror(closing)))") }

            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
            defer {
                argv.forEach { free($0) }
                envp?.forEach { free($0) }
            }
            var pid = pid_t()
            let spawned = if let envp {
                posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
            } else {
                posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
            }
            guard spawned == 0 else {
                throw TestServerError("cannot start \(executable): \(String(cString: strerror(spawned)))")
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

    init(pid: Int32) { self.pid = pid }

    /// How the child ended, reaping it; nil while it runs, unless `waiting` blocks until it ends.
    func status(waiting: Bool) -> ChildProcess.ExitStatus? {
        status.withLock { status in
            guard status == nil else { return status }
            var raw: Int32 = 0
            var reaped = waitpid(pid, &raw, waiting ? 0 : WNOHANG)
            while reaped < 0 && errno == EINTR { reaped = waitpid(pid, &raw, waiting ? 0 : WNOHANG) }
            if reaped == pid {
                // WIFEXITED, WEXITSTATUS and WTERMSIG are C macros Swift does not import.
                let signal = raw & 0x7f
                status = signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
            } else if reaped < 0 {
                // Reaped by someone else: how it ended is lost, but it has ended.
                status = .exited(-1)
            }
            return status
        }
    }

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

private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

/// A glibc function by its name: glibc declares posix_spawn_file_actions_addchdir_np and _addclosefrom_np
/// only under _GNU_SOURCE, so Swift's Glibc module leaves them out.
private func glibc<Function>(_ name: String, as type: Function.Type) throws -> Function {
    // RTLD_DEFAULT: search every loaded object.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
        throw TestServerError("this C library has no \(name)")
    }
    return unsafeBitCast(symbol, to: type)
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

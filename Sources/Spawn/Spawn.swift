import Glibc

/// The one way this program starts other programs: `credential_process` commands, luacheck, and the
/// tests' servers and tools.
///
/// posix_spawn rather than Foundation's `Process`: `Process` hands the spawning thread's signal
/// mask to the child, and Swift concurrency threads block signals, so a child started that way
/// ignores SIGTERM; it also inherits SIGPIPE ignored, as this program runs. Here the child starts
/// with an empty mask and default dispositions, and only the three standard descriptors.
public enum Spawn {
    /// Where a child's standard input comes from.
    public enum Input: Sendable {
        /// /dev/null.
        case null
        /// A file's contents.
        case file(String)
        /// A descriptor of the parent's, duplicated onto the child's input.
        case descriptor(Int32)
    }

    /// Where a child's standard output or error goes.
    public enum Output: Sendable {
        /// /dev/null.
        case null
        /// Appended to a file, created with mode 0644 when missing.
        case file(String)
        /// A descriptor of the parent's, duplicated onto the child's.
        case descriptor(Int32)
        /// Standard error only: wherever standard output goes.
        case standardOutput
    }

    /// Starts `executable` (a path, or a name looked up on the parent's PATH) and returns its PID.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil passes on this process's own.
    ///   - directory: the child's working directory; nil keeps this process's.
    ///   - newProcessGroup: makes the child the leader of a process group of its own, so that
    ///     ``killGroup(_:)`` also ends whatever it started.
    /// - Throws: ``SpawnError`` when the program cannot be started.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: Input = .null, output: Output = .null, error: Output = .null,
        newProcessGroup: Bool = false
    ) throws(SpawnError) -> Int32 {
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
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        switch input {
        case .null: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 0)
        }
        for (target, sink) in [(Int32(1), output), (Int32(2), error)] {
            switch sink {
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, target)
            }
        }
        if let directory {
            let failed = try glibc("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)(&actions, directory)
            guard failed == 0 else { throw SpawnError("cannot start a child in \(directory): \(describe(failed))") }
        }
        // Only the three standard descriptors reach the child. Any other it inherited, such as the
        // write end of a pipe someone reads to its end, would stay open for as long as it lives.
        let closing = try glibc("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)(&actions, 3)
        guard closing == 0 else { throw SpawnError("cannot start \(executable): \(describe(closing))") }

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
        guard spawned == 0 else { throw SpawnError(code: spawned, "cannot start \(executable): \(describe(spawned))") }
        return pid
    }

    /// Sends SIGKILL to the process group `leader` leads (started with `newProcessGroup`).
    ///
    /// Call it before reaping the leader, or at once after: a group's ID is not handed out again
    /// while any member lives, and a reaped leader's PID is reused only after the group is gone.
    public static func killGroup(_ leader: Int32) {
        guard leader > 0 else { return }
        kill(-leader, SIGKILL)
    }

    /// How `pid` ended, reaping it, or nil while it runs (`waiting` false) .
    public static func reap(_ pid: Int32, waiting: Bool) -> ExitStatus? {
        var raw: Int32 = 0
        var reaped = waitpid(pid, &raw, waiting ? 0 : WNOHANG)
        while reaped < 0 && errno == EINTR { reaped = waitpid(pid, &raw, waiting ? 0 : WNOHANG) }
        if reaped == pid {
            // WIFEXITED, WEXITSTATUS and WTERMSIG are C macros Swift does not import.
            let signal = raw & 0x7f
            return signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
        }
        // Reaped by someone else: how it ended is lost, but it has ended.
        return reaped < 0 ? .exited(-1) : nil
    }

    static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }

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
}

/// Why a child could not be started or watched.
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    /// The errno behind it, when there is one (ETXTBSY, ENOENT, ...).
    public let code: Int32?
    public let description: String

    init(code: Int32? = nil, _ description: String) {
        self.code = code
        self.description = description
    }
}

private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

/// A glibc function by its name: glibc declares posix_spawn_file_actions_addchdir_np and
/// _addclosefrom_np only under _GNU_SOURCE, so Swift's Glibc module leaves them out.
private func glibc<Function>(_ name: String, as type: Function.Type) throws(SpawnError) -> Function {
    // RTLD_DEFAULT: search every loaded object.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
        throw SpawnError("this C library has no \(name)")
    }
    return unsafeBitCast(symbol, to: type)
}

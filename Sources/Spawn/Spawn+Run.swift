import Dispatch
import Glibc
import Synchronization

extension Spawn {
    /// What a program run to its end printed, and how it ended.
    public struct Finished: Sendable {
        /// How it ended.
        public var status: ExitStatus
        /// Its standard output, at most the run's `outputLimit` bytes.
        public var stdout: [UInt8]
        /// Its standard error, at most the run's `outputLimit` bytes.
        public var stderr: [UInt8]
        /// True when either stream said more than `outputLimit` bytes; the rest was read and dropped.
        public var truncated: Bool
    }

    /// How often a program that is busy being written (ETXTBSY) is tried again, and the first
    /// wait. A tool that has just written the script, or any thread of this process that forks
    /// while the script is open for writing, makes exec fail for a moment.
    static let busyAttempts = 8
    static let busyDelayMicroseconds: UInt32 = 10_000

    /// Runs `executable` to its end, off the cooperative pool, and collects what it printed.
    ///
    /// The child leads a process group of its own, and the whole group is killed when the calling
    /// task is cancelled (a run that ends or times out cancels its work) and once the child has
    /// exited: nothing it started outlives it, or holds its output open so that this call never
    /// returns.
    ///
    /// - Parameters:
    ///   - environment: the child's whole environment; nil passes on this process's own.
    ///   - outputLimit: the most bytes kept of each stream.
    /// - Throws: ``SpawnError`` when it cannot start, or when the task was cancelled (the child
    ///   is killed then).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: Input = .null, outputLimit: Int = 1 << 20
    ) async throws(SpawnError) -> Finished {
        let group = GroupWatch()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Finished, SpawnError>, Never>) in
                DispatchQueue.global().async {
                    continuation.resume(returning: Result { () throws(SpawnError) -> Finished in
                        try collect(executable, arguments, environment: environment, directory: directory,
                                    input: input, outputLimit: outputLimit, group: group)
                    })
                }
            }
        } onCancel: {
            group.cancel()
        }
        return try result.get()
    }

    /// Starts the child and reads both its streams until it has exited. Blocks its thread.
    private static func collect(
        _ executable: String, _ arguments: [String], environment: [String: String]?, directory: String?,
        input: Input, outputLimit: Int, group: GroupWatch
    ) throws(SpawnError) -> Finished {
        let (stdoutRead, stdoutWrite) = try channel()
        defer { close(stdoutRead) }
        let stderrRead: Int32
        let stderrWrite: Int32
        do {
            (stderrRead, stderrWrite) = try channel()
        } catch {
            close(stdoutWrite)
            throw error
        }
        defer { close(stderrRead) }
        var pid: Int32 = 0
        var attempt = 1
        do {
            defer {
                close(stdoutWrite)
                close(stderrWrite)
            }
            while true {
                do {
                    pid = try start(executable, arguments, environment: environment, directory: directory, input: input,
                                    output: .descriptor(stdoutWrite), error: .descriptor(stderrWrite), newProcessGroup: true)
                    break
                } catch where error.code == ETXTBSY && attempt < busyAttempts {
                    usleep(busyDelayMicroseconds << (attempt - 1))
                    attempt += 1
                }
            }
        }
        group.started(pid)

        var streams = [Stream(fd: stdoutRead), Stream(fd: stderrRead)]
        var pause: Int32 = 1
        var status: ExitStatus?
        while status == nil {
            status = group.reapIfExited()
            // Whatever the group wrote before it ended is still in the channels.
            let wait: Int32 = status == nil ? pause : 0
            var ready = streams.filter { !$0.closed }.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if ready.isEmpty {
                if status == nil { usleep(UInt32(pause) * 1_000) }
            } else if poll(&ready, nfds_t(ready.count), wait) > 0 {
                for index in streams.indices where !streams[index].closed {
                    streams[index].drain(limit: outputLimit)
                }
                continue
            }
            pause = min(pause * 2, 50)
        }
        if group.wasCancelled { throw SpawnError(code: ECANCELED, "\(executable) was stopped: its run ended") }
        return Finished(status: status ?? .exited(-1), stdout: streams[0].bytes, stderr: streams[1].bytes,
                        truncated: streams.contains { $0.truncated })
    }

    /// One of the child's streams, read without blocking.
    private struct Stream {
        let fd: Int32
        var bytes: [UInt8] = []
        var truncated = false
        var closed = false

        /// Reads what is there now; drops what goes past `limit`.
        mutating func drain(limit: Int) {
            var chunk = [UInt8](repeating: 0, count: 16_384)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return }  // EAGAIN: nothing more for now
                if n == 0 {
                    closed = true
                    return
                }
                let kept = min(n, max(0, limit - bytes.count))
                bytes += chunk.prefix(kept)
                if kept < n { truncated = true }
            }
        }
    }

    /// Kills the process group of every child of ``run(_:_:environment:directory:input:outputLimit:)``
    /// still running. For a process about to exit: cancelling a run's tasks reaches their children
    /// a moment later, and an exiting process would leave them behind.
    public static func killRunningGroups() {
        runningGroups.withLock { leaders in
            for leader in leaders { killGroup(leader) }
        }
    }

    /// A connected pair of sockets, both close-on-exec so that no other child inherits them: the
    /// parent's end, non-blocking, and the child's end that posix_spawn duplicates onto a standard
    /// descriptor.
    private static func channel() throws(SpawnError) -> (parent: Int32, child: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SpawnError(code: errno, "socketpair: \(describe(errno))")
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }
}

/// The leaders of the process groups of ``Spawn/run(_:_:environment:directory:input:outputLimit:)``'s
/// children that have not been reaped.
private let runningGroups = Mutex<Set<Int32>>([])

/// The child's PID once started, whether it has been reaped, and whether its task was cancelled.
/// The lock orders signalling against reaping: a reaped PID may belong to someone else.
private final class GroupWatch: Sendable {
    private struct State {
        var pid: Int32 = 0
        var reaped = false
        var cancelled = false
    }
    private let state = Mutex(State())

    var wasCancelled: Bool { state.withLock { $0.cancelled } }

    func started(_ pid: Int32) {
        state.withLock { state in
            state.pid = pid
            runningGroups.withLock { _ = $0.insert(pid) }
            if state.cancelled { Spawn.killGroup(pid) }
        }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if state.pid > 0 && !state.reaped { Spawn.killGroup(state.pid) }
        }
    }

    /// How the child ended, once it has; what it left running in its group is killed then.
    func reapIfExited() -> Spawn.ExitStatus? {
        state.withLock { state in
            guard state.pid > 0, !state.reaped else { return nil }
            let pid = state.pid
            // Reaped under the registry's lock, so that no one kills the group of a reaped PID.
            return runningGroups.withLock { leaders in
                guard let status = Spawn.reap(pid, waiting: false) else { return nil }
                state.reaped = true
                leaders.remove(pid)
                // Straight after the reap: the group's ID stays taken while any member lives.
                Spawn.killGroup(pid)
                return status
            }
        }
    }
}

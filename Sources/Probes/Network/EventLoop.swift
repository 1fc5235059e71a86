import CProbesShim
import Glibc
import Synchronization

/// What a waiter wants from a file descriptor.
enum IOInterest: Sendable {
    case read
    case write
}

/// How a wait on the event loop ended.
enum WaitOutcome: Sendable, Equatable {
    /// The descriptor is ready for the requested operation (or has an error/hang-up pending).
    case ready
    /// The deadline passed first.
    case timedOut
    /// The waiting task was cancelled (or the timer was cancelled).
    case cancelled
    /// The owner of the descriptor closed it while the wait was pending.
    case aborted
    /// Registration failed with this errno (EBUSY: another waiter already waits for the same interest).
    case failed(Int32)
}

/// One background thread running epoll for every socket of the process.
///
/// Callers register "wake me when fd is readable/writable, or at the deadline" and suspend on a
/// `CheckedContinuation`; the actual non-blocking syscalls (connect/recv/send) run on the caller's task.
/// The epoll timeout is the nearest live deadline of a min-heap of timers; an eventfd wakes the loop
/// when a new, earlier deadline is registered while it sleeps.
final class EventLoop: Sendable {
    /// The process-wide loop; nil only if epoll/eventfd/thread creation failed.
    static let shared: EventLoop? = EventLoop()

    typealias Continuation = CheckedContinuation<WaitOutcome, Never>

    private let epfd: Int32
    private let wakeFD: Int32
    private let state: Mutex<LoopState>

    private init?() {
        let ep = cprobes_epoll_create()
        guard ep >= 0 else { return nil }
        let wfd = cprobes_eventfd()
        guard wfd >= 0 else {
            Glibc.close(ep)
            return nil
        }
        guard cprobes_epoll_ctl(ep, ctlAdd, wfd, CPROBES_EV_READ) == 0 else {
            Glibc.close(ep)
            Glibc.close(wfd)
            return nil
        }
        epfd = ep
        wakeFD = wfd
        state = Mutex(LoopState())
        guard startDetachedThread({ [self] in self.run() }) else {
            Glibc.close(ep)
            Glibc.close(wfd)
            return nil
        }
    }

    // MARK: Public-to-module API

    /// Suspends until `fd` is ready for `interest`, the deadline passes, the task is cancelled,
    /// or the descriptor is aborted via `abort(fd:)`.
    func wait(fd: Int32, for interest: IOInterest, deadline: ContinuousClock.Instant) async -> WaitOutcome {
        if deadline <= .now { return .timedOut }
        let id = state.withLock { $0.allocateID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: Continuation) in
                self.register(id: id, fd: fd, interest: interest, deadline: deadline, completion: .continuation(cont))
                if Task.isCancelled { self.cancel(id: id) }
            }
        } onCancel: {
            self.cancel(id: id)
        }
    }

    /// Calls `callback` once: with `.timedOut` at `deadline`, or with `.cancelled` if `cancel(id:)` comes first.
    /// Returns the id to pass to `cancel(id:)`. The callback runs on the loop thread or the cancelling thread
    /// and must be short and non-blocking.
    func schedule(at deadline: ContinuousClock.Instant, _ callback: @escaping @Sendable (WaitOutcome) -> Void) -> UInt64 {
        let id = state.withLock { $0.allocateID() }
        register(id: id, fd: -1, interest: .read, deadline: deadline, completion: .callback(callback))
        return id
    }

    /// Ends the wait or timer `id` with `.cancelled` if it is still pending; idempotent.
    func cancel(id: UInt64) {
        let completion = state.withLock { s -> Completion? in
            guard let w = s.waiters.removeValue(forKey: id) else { return nil }
            s.detach(w, epfd: epfd)
            return w.completion
        }
        completion?.complete(.cancelled)
    }

    /// Fails every pending and future wait on `fd` with `.aborted` until `release(fd:)`.
    /// The caller must keep `fd` open until it calls `release(fd:)`, so the number cannot be reused meanwhile.
    func abort(fd: Int32) {
        let completions = state.withLock { s -> [Completion] in
            s.aborted.insert(fd)
            guard let slot = s.slots[fd] else { return [] }
            var out: [Completion] = []
            for id in [slot.reader, slot.writer].compactMap({ $0 }) {
                if let w = s.waiters.removeValue(forKey: id) {
                    s.detach(w, epfd: epfd)
                    out.append(w.completion)
                }
            }
            return out
        }
        for c in completions { c.complete(.aborted) }
    }

    /// Forgets an aborted descriptor; call right before closing it.
    func release(fd: Int32) {
        state.withLock { _ = $0.aborted.remove(fd) }
    }

    /// Number of pending waits and timers (for tests: must return to zero).
    var pendingCount: Int {
        state.withLock { $0.waiters.count }
    }

    /// True while a wait for `fd` to become readable is registered. Tests that cancel or close a pending
    /// read, or start a second one, wait for this instead of sleeping and hoping the read got that far.
    func hasReader(fd: Int32) -> Bool {
        state.withLock { $0.slots[fd]?.reader != nil }
    }

    // MARK: Internals

    private func register(id: UInt64, fd: Int32, interest: IOInterest, deadline: ContinuousClock.Instant, completion: Completion) {
        let (immediate, needWake) = state.withLock { s -> (WaitOutcome?, Bool) in
            if fd >= 0 {
                if s.aborted.contains(fd) { return (.aborted, false) }
                var slot = s.slots[fd] ?? FDSlot()
                switch interest {
                case .read:
                    if slot.reader != nil { return (.failed(EBUSY), false) }
                    slot.reader = id
                case .write:
                    if slot.writer != nil { return (.failed(EBUSY), false) }
                    slot.writer = id
                }
                s.slots[fd] = slot
                let err = s.updateRegistration(fd: fd, epfd: epfd)
                if err != 0 {
                    switch interest {
                    case .read: s.slots[fd]?.reader = nil
                    case .write: s.slots[fd]?.writer = nil
                    }
                    _ = s.updateRegistration(fd: fd, epfd: epfd)
                    return (.failed(err), false)
                }
            }
            s.waiters[id] = Waiter(id: id, fd: fd, interest: interest, deadline: deadline, completion: completion)
            s.timers.push(TimerEntry(deadline: deadline, id: id))
            s.compactTimersIfNeeded()
            let wake = s.polling && (s.pollDeadline.map { deadline < $0 } ?? true)
            if wake { s.pollDeadline = deadline }
            return (nil, wake)
        }
        if let immediate {
            completion.complete(immediate)
            return
        }
        if needWake { wake() }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, MemoryLayout<UInt64>.size)
    }

    private func run() {
        let capacity: Int32 = 256
        var events = [cprobes_event](repeating: cprobes_event(), count: Int(capacity))
        while true {
            let timeout = state.withLock { s -> Int32 in
                s.polling = true
                s.pollDeadline = s.nearestDeadline()
                guard let d = s.pollDeadline else { return -1 }
                return millisecondsUntil(d)
            }
            let n = events.withUnsafeMutableBufferPointer { buf -> Int32 in
                cprobes_epoll_wait(epfd, buf.baseAddress, capacity, timeout)
            }
            var fired: [(Completion, WaitOutcome)] = []
            var drainWake = false
            state.withLock { s in
                s.polling = false
                if n > 0 {
                    for i in 0..<Int(n) {
                        let ev = events[i]
                        let fd = ev.fd
                        if fd == wakeFD {
                            drainWake = true
                            continue
                        }
                        s.fire(fd: fd, events: ev.events, epfd: epfd, into: &fired)
                    }
                }
                s.expire(now: .now, epfd: epfd, into: &fired)
            }
            if drainWake {
                var value: UInt64 = 0
                _ = Glibc.read(wakeFD, &value, MemoryLayout<UInt64>.size)
            }
            for (completion, outcome) in fired { completion.complete(outcome) }
        }
    }
}

// Operation codes of cprobes_epoll_ctl.
private let ctlAdd: Int32 = 1
private let ctlMod: Int32 = 2
private let ctlDel: Int32 = 3

/// Rounds up so the loop never wakes before the deadline and spins.
private func millisecondsUntil(_ deadline: ContinuousClock.Instant) -> Int32 {
    let remaining = deadline - .now
    if remaining <= .zero { return 0 }
    let (seconds, attoseconds) = remaining.components
    // epoll_wait takes an Int32 of milliseconds; a deadline further away than that is woken
    // again later, and the multiplication must not overflow for a far one.
    guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
    let ms = seconds * 1_000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int32(clamping: ms)
}

enum Completion: Sendable {
    case continuation(EventLoop.Continuation)
    case callback(@Sendable (WaitOutcome) -> Void)

    func complete(_ outcome: WaitOutcome) {
        switch self {
        case .continuation(let c): c.resume(returning: outcome)
        case .callback(let f): f(outcome)
        }
    }
}

private struct Waiter {
    let id: UInt64
    let fd: Int32
    let interest: IOInterest
    let deadline: ContinuousClock.Instant
    let completion: Completion
}

private struct FDSlot {
    var reader: UInt64?
    var writer: UInt64?
    var registeredMask: UInt32 = 0
    var registered = false
}

private struct TimerEntry {
    let deadline: ContinuousClock.Instant
    let id: UInt64
}

/// Binary min-heap on deadline; cancelled entries are dropped lazily (or compacted in bulk).
private struct TimerHeap {
    private(set) var items: [TimerEntry] = []

    var top: TimerEntry? { items.first }
    var count: Int { items.count }

    mutating func push(_ e: TimerEntry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[p].deadline <= items[i].deadline { break }
            items.swapAt(p, i)
            i = p
        }
    }

    @discardableResult
    mutating func pop() -> TimerEntry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && items[l].deadline < items[m].deadline { m = l }
            if r < items.count && items[r].deadline < items[m].deadline { m = r }
            if m == i { break }
            items.swapAt(m, i)
            i = m
        }
        return first
    }

    mutating func rebuild(keeping keep: (TimerEntry) -> Bool) {
        let kept = items.filter(keep)
        items = []
        for e in kept { push(e) }
    }
}

private struct LoopState {
    var nextID: UInt64 = 1
    var waiters: [UInt64: Waiter] = [:]
    var slots: [Int32: FDSlot] = [:]
    var timers = TimerHeap()
    var aborted: Set<Int32> = []
    /// True while the loop thread is (about to be) inside epoll_wait.
    var polling = false
    /// Deadline the current epoll_wait timeout was computed for; nil = infinite.
    var pollDeadline: ContinuousClock.Instant?

    mutating func allocateID() -> UInt64 {
        defer { nextID &+= 1 }
        return nextID
    }

    mutating func nearestDeadline() -> ContinuousClock.Instant? {
        while let top = timers.top {
            if waiters[top.id] != nil { return top.deadline }
            timers.pop()
        }
        return nil
    }

    mutating func compactTimersIfNeeded() {
        if timers.count > 1_024 && timers.count > 4 * waiters.count {
            let live = waiters
            timers.rebuild { live[$0.id] != nil }
        }
    }

    /// Removes a (already dequeued) waiter from its fd slot and updates epoll.
    mutating func detach(_ w: Waiter, epfd: Int32) {
        guard w.fd >= 0, var slot = slots[w.fd] else { return }
        switch w.interest {
        case .read: if slot.reader == w.id { slot.reader = nil }
        case .write: if slot.writer == w.id { slot.writer = nil }
        }
        slots[w.fd] = slot
        _ = updateRegistration(fd: w.fd, epfd: epfd)
    }

    /// Makes the epoll interest set of `fd` match its waiters; returns errno or 0.
    mutating func updateRegistration(fd: Int32, epfd: Int32) -> Int32 {
        guard var slot = slots[fd] else { return 0 }
        var mask: UInt32 = 0
        if slot.reader != nil { mask |= CPROBES_EV_READ }
        if slot.writer != nil { mask |= CPROBES_EV_WRITE }
        if mask == 0 {
            if slot.registered {
                _ = cprobes_epoll_ctl(epfd, ctlDel, fd, 0)
            }
            slots[fd] = nil
            return 0
        }
        if slot.registered && slot.registeredMask == mask { return 0 }
        var rc = cprobes_epoll_ctl(epfd, slot.registered ? ctlMod : ctlAdd, fd, mask)
        if rc == EEXIST || rc == ENOENT {
            // Our bookkeeping can disagree with the kernel if a descriptor number was closed and reused
            // behind our back; retry with the other operation once.
            rc = cprobes_epoll_ctl(epfd, rc == EEXIST ? ctlMod : ctlAdd, fd, mask)
        }
        if rc != 0 { return rc }
        slot.registered = true
        slot.registeredMask = mask
        slots[fd] = slot
        return 0
    }

    mutating func fire(fd: Int32, events: UInt32, epfd: Int32, into out: inout [(Completion, WaitOutcome)]) {
        guard let slot = slots[fd] else { return }
        let readable = events & (CPROBES_EV_READ | CPROBES_EV_ERROR) != 0
        let writable = events & (CPROBES_EV_WRITE | CPROBES_EV_ERROR) != 0
        if readable, let id = slot.reader, let w = waiters.removeValue(forKey: id) {
            detach(w, epfd: epfd)
            out.append((w.completion, .ready))
        }
        if writable, let id = slot.writer, let w = waiters.removeValue(forKey: id) {
            detach(w, epfd: epfd)
            out.append((w.completion, .ready))
        }
    }

    mutating func expire(now: ContinuousClock.Instant, epfd: Int32, into out: inout [(Completion, WaitOutcome)]) {
        while let top = timers.top, top.deadline <= now {
            timers.pop()
            if let w = waiters.removeValue(forKey: top.id) {
                detach(w, epfd: epfd)
                out.append((w.completion, .timedOut))
            }
        }
    }
}

// MARK: Threads

private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// Starts a detached pthread running `body`; returns false if the thread could not be created.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    let box = Unmanaged.passRetained(ThreadBody(body))
    var tid = pthread_t()
    let rc = pthread_create(&tid, nil, { raw in
        guard let raw else { return nil }
        let b = Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue()
        b.body()
        return nil
    }, box.toOpaque())
    if rc != 0 {
        box.release()
        return false
    }
    pthread_detach(tid)
    return true
}

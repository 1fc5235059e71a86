internal import CLua
internal import CLuaShim

/// Identifies one task (a Lua coroutine driven by a ``LuaScheduler``).
public struct LuaTaskID: Sendable, Hashable, CustomStringConvertible {
    /// The number Lua code holds as the task's handle.
    public let rawValue: Int
    /// The task with this handle.
    public init(rawValue: Int) { self.rawValue = rawValue }
    public var description: String { "task \(rawValue)" }
}

/// How a task ended.
public struct LuaTaskOutcome: Sendable {
    /// The task's return values, when it returned (functions described as strings).
    public let values: [LuaValue]
    /// The error that ended it, when it did not return.
    public let error: LuaError?

    /// An outcome with these values or this error.
    public init(values: [LuaValue], error: LuaError?) {
        self.values = values
        self.error = error
    }
}

/// Runs Lua coroutines ("tasks") on one state, the way Nmap's NSE and OpenResty do:
/// a host function that must wait returns ``LuaReturn/suspend(_:)``, the task yields,
/// the Swift work runs concurrently, and the task resumes with the result. All Lua
/// code runs on the caller of ``run(until:)``; only `Sendable` values cross to the work.
///
/// ```swift
/// let scheduler = LuaScheduler(state: lua)
/// let main = try scheduler.spawn(function, arguments: [])
/// let outcome = await scheduler.run(until: main)
/// ```
public final class LuaScheduler {
    /// The state whose coroutines this scheduler drives.
    public let state: LuaState
    /// The most tasks alive at once; spawning more stops the run. Room for `each` at its
    /// largest concurrency (10,000) with the tasks around it.
    public var maximumTasks = 16_384

    private enum Resume {
        case start(Int32)
        /// The results of the work of the host function named `function`.
        case values([LuaValue], function: String)
        case failure(String)
        /// An answer that does not fit in the run's memory: the run stops with this message.
        case tooLarge(String)
        case joined([Int])
    }

    private enum Status {
        case ready
        case working(token: Int, handle: Task<Void, Never>, function: String)
        case joining([Int])
        case finished(ok: Bool, count: Int32, message: String?, traceback: String?)
    }

    private final class Record {
        let id: Int
        let thread: OpaquePointer
        let ref: Int32
        let limits: UnsafeMutablePointer<cluashim_thread>
        let parent: Int?
        let inheritedDeadline: Double
        var stepDeadlines: [Double] = []
        var status: Status = .ready
        /// While joining: how many of the joined tasks have not finished.
        var pendingChildren = 0
        /// The task joining this one, once it does.
        var awaitedBy: Int?

        init(id: Int, thread: OpaquePointer, ref: Int32, limits: UnsafeMutablePointer<cluashim_thread>, parent: Int?) {
            self.id = id
            self.thread = thread
            self.ref = ref
            self.limits = limits
            self.parent = parent
            self.inheritedDeadline = limits.pointee.deadline
        }

        var isWaiting: Bool {
            switch status {
            case .working, .joining: true
            default: false
            }
        }

        func updateDeadline() {
            let deadlines = ([inheritedDeadline] + stepDeadlines).filter { $0 > 0 }
            limits.pointee.deadline = deadlines.min() ?? 0
        }
    }

    private enum Event: Sendable {
        case completed(task: Int, token: Int, Result<[LuaValue], any Error>)
        case wake
    }

    private var records: [Int: Record] = [:]
    /// How many tasks are working or joining: the run can make progress while any is.
    private var waitingCount = 0
    /// Deadlines of waiting tasks, nearest first. Entries go stale when a task stops waiting
    /// or its deadline changes, and are dropped when they reach the top: every event then costs
    /// O(log n), not a walk over every task (10,000 sleeping branches took seconds).
    private var deadlines = DeadlineHeap()
    private var byThread: [OpaquePointer: Int] = [:]
    private var queue: [(Int, Resume)] = []
    private var queueHead = 0
    private var nextID = 1
    private var nextToken = 1
    private let sink: AsyncStream<Event>.Continuation
    private var events: AsyncStream<Event>.AsyncIterator

    /// A scheduler for `state`; host functions of that state may now suspend.
    public init(state: LuaState) {
        self.state = state
        let (stream, sink) = AsyncStream.makeStream(of: Event.self)
        self.sink = sink
        self.events = stream.makeAsyncIterator()
        state.scheduler = self
        state.cancellation.onCancel { sink.yield(.wake) }
    }

    deinit { sink.finish() }

    // MARK: Spawning

    /// Creates a task that will call the referenced function with `arguments`.
    public func spawn(_ function: LuaReference, arguments: [LuaValue]) throws -> LuaTaskID {
        try makeTask(parent: nil) { thread in
            state.pushReference(function, on: thread)
            for argument in arguments { try state.push(argument, on: thread) }
            return Int32(arguments.count)
        }
    }

    /// Creates a task that will call the referenced function with the referenced values.
    public func spawn(_ function: LuaReference, references: [LuaReference]) throws -> LuaTaskID {
        try makeTask(parent: nil) { thread in
            state.pushReference(function, on: thread)
            for reference in references { state.pushReference(reference, on: thread) }
            return Int32(references.count)
        }
    }

    /// Creates a task that will call the function at argument `index` of `call`, with no
    /// arguments. The new task inherits the caller's deadline.
    public func spawn(from call: LuaCall, functionAt index: Int) throws -> LuaTaskID {
        guard call.isFunction(index) else { throw call.badArgument(index, "fn", "a function") }
        return try makeTask(parent: byThread[call.thread]) { thread in
            lua_pushvalue(call.thread, Int32(index))
            lua_xmove(call.thread, thread, 1)
            return 0
        }
    }

    private func makeTask(parent: Int?, prepare: (OpaquePointer) throws -> Int32) throws -> LuaTaskID {
        guard records.count < maximumTasks else {
            state.stop(.tooManyTasks)
            throw LuaHostError("more than \(maximumTasks) tasks at once")
        }
        return try state.relaxed {
            guard let thread = lua_newthread(state.L) else { throw LuaHostError("cannot create a coroutine") }
            let ref = luaL_ref(state.L, cluashim_registryindex())
            let parentLimits = parent.flatMap { records[$0]?.limits }
            guard let limits = cluashim_thread_new(state.run, parentLimits ?? cluashim_thread_of(state.L)) else {
                luaL_unref(state.L, cluashim_registryindex(), ref)
                throw LuaHostError("out of memory")
            }
            cluashim_thread_set(thread, limits)
            cluashim_mark_task(thread, 1)
            let nargs: Int32
            do {
                nargs = try prepare(thread)
            } catch {
                cluashim_mark_task(thread, 0)
                luaL_unref(state.L, cluashim_registryindex(), ref)
                throw error
            }
            let id = nextID
            nextID += 1
            let record = Record(id: id, thread: thread, ref: ref, limits: limits, parent: parent)
            records[id] = record
            byThread[thread] = id
            queue.append((id, .start(nargs)))
            return LuaTaskID(rawValue: id)
        }
    }

    func taskID(of thread: OpaquePointer) -> LuaTaskID? {
        byThread[thread].map(LuaTaskID.init(rawValue:))
    }

    // MARK: Suspending

    func suspend(thread: OpaquePointer, for suspension: LuaSuspension, by function: String) throws {
        guard let id = byThread[thread], let record = records[id] else {
            throw LuaHostError(
                "cannot wait inside a coroutine made with coroutine.create or coroutine.wrap; use parallel() or each()")
        }
        guard lua_isyieldable(thread) != 0 else {
            throw LuaHostError("cannot wait inside a metamethod, a table.sort comparator or a string.gsub callback")
        }
        switch suspension {
        case .work(let work):
            let token = nextToken
            nextToken += 1
            let sink = self.sink
            let handle = Task {
                let result: Result<[LuaValue], any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                sink.yield(.completed(task: id, token: token, result))
            }
            setStatus(record, .working(token: token, handle: handle, function: function))
        case .join(let tasks):
            for task in tasks where records[task.rawValue] == nil {
                throw LuaHostError("\(task) is not running")
            }
            var pending = 0
            for task in tasks {
                guard let child = records[task.rawValue] else { continue }
                if case .finished = child.status { continue }
                child.awaitedBy = id
                pending += 1
            }
            record.pendingChildren = pending
            setStatus(record, .joining(tasks.map(\.rawValue)))
        }
    }

    // MARK: Deadlines

    /// Starts a deadline `seconds` from now on `task`, nested inside any it has.
    public func pushDeadline(on task: LuaTaskID, seconds: Double) {
        guard let record = records[task.rawValue] else { return }
        record.stepDeadlines.append(cluashim_monotonic() + seconds)
        record.updateDeadline()
    }

    /// Ends the innermost deadline of `task`; true if it had passed (the step timed out).
    /// The task's timed-out mark is cleared unless an enclosing deadline has passed too.
    @discardableResult
    public func popDeadline(on task: LuaTaskID) -> Bool {
        guard let record = records[task.rawValue], let deadline = record.stepDeadlines.popLast() else { return false }
        let now = cluashim_monotonic()
        let passed = now >= deadline
        record.updateDeadline()
        let outer = record.limits.pointee.deadline
        if outer == 0 || now < outer { record.limits.pointee.timed_out = 0 }
        return passed
    }

    /// Seconds on the monotonic clock every deadline uses, and `task`'s nearest deadline on it
    /// (its innermost step's or the run's), nil when it has none.
    public func clock(of task: LuaTaskID) -> (now: Double, deadline: Double?) {
        let deadlines = [records[task.rawValue]?.limits.pointee.deadline, state.deadline].compactMap { $0 }.filter { $0 > 0 }
        return (cluashim_monotonic(), deadlines.min())
    }

    // MARK: Running

    /// Runs every task until `main` finishes or a limit stops the run, then ends the
    /// tasks still alive (cancelling their work) and returns how `main` ended.
    public func run(until main: LuaTaskID) async -> LuaTaskOutcome {
        defer { endRemainingTasks() }
        while true {
            while queueHead < queue.count, state.stopReason == nil {
                let (id, resume) = queue[queueHead]
                queueHead += 1
                if let record = records[id] { self.resume(record, with: resume) }
            }
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            if let reason = state.stopReason { return stoppedOutcome(reason, main: main) }
            if let record = records[main.rawValue], case .finished = record.status { return outcome(of: record) }
            guard waitingCount > 0 else {
                return LuaTaskOutcome(values: [], error: LuaError(.runtime, "no task can make progress"))
            }
            guard let event = await nextEvent() else {
                return LuaTaskOutcome(values: [], error: LuaError(.runtime, "scheduler stopped"))
            }
            handle(event)
            checkLimits()
        }
    }

    private func nextEvent() async -> Event? {
        while let (deadline, id) = deadlines.first {
            if let record = records[id], record.isWaiting, record.limits.pointee.deadline == deadline { break }
            deadlines.removeFirst()
        }
        var timer: Task<Void, Never>?
        if let nearest = [deadlines.first?.deadline, state.deadline].compactMap({ $0 }).filter({ $0 > 0 }).min() {
            let delay = max(0, nearest - cluashim_monotonic())
            let sink = self.sink
            timer = Task {
                do {
                    try await Task.sleep(nanoseconds: UInt64(delay * 1e9) + 1_000_000)
                    sink.yield(.wake)
                } catch {}
            }
        }
        defer { timer?.cancel() }
        return await events.next()
    }

    private func handle(_ event: Event) {
        guard case .completed(let id, let token, let result) = event, let record = records[id],
            case .working(let current, _, let function) = record.status, current == token
        else { return }
        setStatus(record, .ready)
        switch result {
        case .success(let values): queue.append((id, .values(values, function: function)))
        case .failure(let error as LuaAnswerTooLarge): queue.append((id, .tooLarge(error.description)))
        case .failure(let error): queue.append((id, .failure(String(describing: error))))
        }
    }

    /// Wakes waiting tasks whose deadline passed and stops the run on cancel or its deadline.
    private func checkLimits() {
        if state.cancellation.isCancelled { state.stop(.cancelled) }
        let now = cluashim_monotonic()
        if let deadline = state.deadline, now >= deadline { state.stop(.deadline) }
        while let (deadline, id) = deadlines.first, deadline <= now {
            deadlines.removeFirst()
            guard let record = records[id], record.isWaiting, record.limits.pointee.deadline == deadline else { continue }
            if case .working(_, let handle, _) = record.status { handle.cancel() }
            // A task joining others times out too; the tasks it joined no longer report to it.
            if case .joining(let children) = record.status {
                for child in children where records[child]?.awaitedBy == record.id { records[child]?.awaitedBy = nil }
            }
            setStatus(record, .ready)
            record.limits.pointee.timed_out = 1
            queue.append((record.id, .failure("step timed out")))
        }
    }

    private func resume(_ record: Record, with resume: Resume) {
        let thread = record.thread
        var nargs: Int32 = 0
        state.relaxed {
            switch resume {
            case .start(let count):
                nargs = count
            case .values(let values, let function):
                // The answer counts against the run's memory before it is pushed: pushing
                // happens with the cap lifted, which would let any answer through.
                if var refusal = state.admit(values) {
                    refusal.function = function
                    nargs = stopForMemory(thread, refusal.description)
                    break
                }
                let top = lua_gettop(thread)
                do {
                    guard lua_checkstack(thread, Int32(clamping: values.count + 4)) != 0 else {
                        throw LuaHostError("too many results")
                    }
                    lua_pushboolean(thread, 1)
                    for value in values { try state.push(value, on: thread) }
                    nargs = Int32(values.count + 1)
                } catch {
                    // What was pushed before the failure must not reach Lua as results.
                    lua_settop(thread, top)
                    lua_pushboolean(thread, 0)
                    lua_pushstring(thread, "\(function): \(error)")
                    nargs = 2
                }
            case .failure(let message):
                lua_pushboolean(thread, 0)
                lua_pushstring(thread, message)
                nargs = 2
            case .tooLarge(let message):
                nargs = stopForMemory(thread, message)
            case .joined(let children):
                lua_pushboolean(thread, 1)
                pushJoinResults(children, on: thread)
                nargs = 2
            }
        }
        var nresults: Int32 = 0
        let status = lua_resume(thread, nil, nargs, &nresults)
        switch status {
        case LUA_YIELD:
            guard record.isWaiting else {
                finish(record, ok: false, count: 0, message: "coroutine.yield outside a coroutine", traceback: nil)
                return
            }
            // Joining tasks that had all finished already: resume at once.
            if case .joining(let children) = record.status, record.pendingChildren == 0 {
                setStatus(record, .ready)
                queue.append((record.id, .joined(children)))
            }
        case LUA_OK:
            finish(record, ok: true, count: nresults, message: nil, traceback: nil)
        default:
            let (message, traceback) = state.relaxed { errorText(of: thread) }
            if status == LUA_ERRMEM { state.stop(.memory) }
            if message.hasSuffix("stack overflow") { state.stop(.stackOverflow) }
            finish(record, ok: false, count: 0, message: message, traceback: traceback)
        }
    }

    /// Stops the run for memory with `message`, and hands the thread the error it raises.
    private func stopForMemory(_ thread: OpaquePointer, _ message: String) -> Int32 {
        state.stop(.memory, message: message)
        lua_pushboolean(thread, 0)
        lua_pushstring(thread, message)
        return 2
    }

    /// The message and traceback of a coroutine that died with an error. Its stack is
    /// left as it was, so the traceback shows where it failed.
    private func errorText(of thread: OpaquePointer) -> (String, String?) {
        let L = state.L
        lua_pushvalue(thread, -1)
        lua_xmove(thread, L, 1)
        let message = popMessage(L)
        luaL_traceback(L, thread, nil, 0)
        var length = 0
        let text = lua_tolstring(L, -1, &length)
        let traceback = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
        cluashim_pop(L, 1)
        return (message, traceback.replacingPrefix("stack traceback:\n"))
    }

    private func finish(_ record: Record, ok: Bool, count: Int32, message: String?, traceback: String?) {
        setStatus(record, .finished(ok: ok, count: count, message: message, traceback: traceback))
        byThread[record.thread] = nil
        state.relaxed { cluashim_mark_task(record.thread, 0) }
        guard record.parent != nil else { return }
        guard let parentID = record.awaitedBy, let parent = records[parentID], case .joining(let children) = parent.status else {
            release(record)  // an orphan: its parent stopped waiting for it
            return
        }
        parent.pendingChildren -= 1
        if parent.pendingChildren == 0 {
            setStatus(parent, .ready)
            queue.append((parent.id, .joined(children)))
        }
    }

    /// Every status change passes here, to keep the count of waiting tasks and the deadline heap.
    private func setStatus(_ record: Record, _ status: Status) {
        let wasWaiting = record.isWaiting
        record.status = status
        let isWaiting = record.isWaiting
        if wasWaiting != isWaiting { waitingCount += isWaiting ? 1 : -1 }
        if isWaiting, !wasWaiting, record.limits.pointee.deadline > 0 {
            deadlines.insert(deadline: record.limits.pointee.deadline, id: record.id)
        }
    }

    private func pushJoinResults(_ children: [Int], on thread: OpaquePointer) {
        lua_createtable(thread, Int32(children.count), 0)
        for (offset, id) in children.enumerated() {
            guard let child = records[id], case .finished(let ok, let count, let message, _) = child.status else {
                continue
            }
            guard lua_checkstack(thread, count + 4) != 0 else { continue }
            lua_createtable(thread, count + 1, 0)
            let entry = lua_gettop(thread)
            lua_pushboolean(thread, ok ? 1 : 0)
            lua_rawseti(thread, entry, 1)
            if ok {
                lua_xmove(child.thread, thread, count)
                for index in stride(from: count + 1, through: 2, by: -1) { lua_rawseti(thread, entry, lua_Integer(index)) }
            } else {
                lua_pushstring(thread, message ?? "failed")
                lua_rawseti(thread, entry, 2)
            }
            lua_rawseti(thread, -2, lua_Integer(offset + 1))
            release(child)
        }
    }

    private func release(_ record: Record) {
        records[record.id] = nil
        byThread[record.thread] = nil
        state.relaxed { luaL_unref(state.L, cluashim_registryindex(), record.ref) }
    }

    private func outcome(of record: Record) -> LuaTaskOutcome {
        guard case .finished(let ok, let count, let message, let traceback) = record.status else {
            return LuaTaskOutcome(values: [], error: LuaError(.runtime, "task did not finish"))
        }
        guard ok else { return LuaTaskOutcome(values: [], error: LuaError(.runtime, message ?? "failed", traceback: traceback)) }
        let values = state.relaxed {
            (0..<count).map { i in
                (try? state.value(at: -count + i, on: record.thread, conversion: .describe)) ?? .nil
            }
        }
        return LuaTaskOutcome(values: values, error: nil)
    }

    private func stoppedOutcome(_ reason: LuaStopReason, main: LuaTaskID) -> LuaTaskOutcome {
        var message = state.stopMessage ?? "run stopped: \(reason.rawValue)"
        var traceback: String?
        if let record = records[main.rawValue], case .finished(false, _, let text?, let trace) = record.status {
            message = text
            traceback = trace
        }
        return LuaTaskOutcome(values: [], error: LuaError(.stopped(reason), message, traceback: traceback))
    }

    private func endRemainingTasks() {
        for record in records.values {
            if case .working(_, let handle, _) = record.status { handle.cancel() }
            state.relaxed {
                cluashim_mark_task(record.thread, 0)
                _ = lua_resetthread(record.thread)
            }
            release(record)
        }
        queue.removeAll()
        queueHead = 0
    }
}

extension String {
    func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}

/// A binary min-heap of (deadline, task id): the nearest deadline in O(1), changes in O(log n).
struct DeadlineHeap {
    private var items: [(deadline: Double, id: Int)] = []

    var first: (deadline: Double, id: Int)? { items.first }

    mutating func insert(deadline: Double, id: Int) {
        items.append((deadline, id))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].deadline < items[parent].deadline else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].deadline < items[smallest].deadline { smallest = left }
            if right < items.count, items[right].deadline < items[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

public import Foundation

/// Caches credentials and refreshes them before they expire, one refresh at a time.
///
/// With botocore's windows: when fewer than 15 minutes remain a call refreshes, but keeps
/// the old credentials if that fails (or if another refresh is already under way); when
/// fewer than 10 minutes remain the refresh is mandatory and its error is thrown. Credentials
/// without an expiry are kept for good. Concurrent callers that need a refresh share one.
///
/// ```swift
/// let cache = AWSCredentialsCache(chain: AWSCredentialChain(configuration: configuration))
/// let credentials = try await cache.credentials()
/// ```
public actor AWSCredentialsCache {
    /// Refresh when fewer than this many seconds remain (15 minutes).
    public static let advisoryRefreshWindow: TimeInterval = 15 * 60
    /// Refresh or fail when fewer than this many seconds remain (10 minutes).
    public static let mandatoryRefreshWindow: TimeInterval = 10 * 60

    private let load: @Sendable () async throws(AWSError) -> ResolvedCredentials
    private let clock: @Sendable () -> Date
    private var current: ResolvedCredentials?
    private var refreshing: Refresh?

    /// A refresh under way, the callers waiting for it, and how many of those were cancelled.
    private struct Refresh {
        let task: Task<ResolvedCredentials, any Error>
        var waiters = 0
        var abandoned = 0
    }

    /// A cache over any loader.
    ///
    /// - Parameters:
    ///   - clock: the current time; tests pass a fake one.
    ///   - load: fetches fresh credentials.
    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        load: @escaping @Sendable () async throws(AWSError) -> ResolvedCredentials
    ) {
        self.clock = clock
        self.load = load
    }

    /// A cache over a credential chain.
    ///
    /// - Parameters:
    ///   - chain: the chain to resolve, again at each refresh.
    ///   - clock: the current time; tests pass a fake one.
    public init(chain: AWSCredentialChain, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(clock: clock) { () async throws(AWSError) -> ResolvedCredentials in try await chain.resolve() }
    }

    /// The cached keys, refreshed first when they are close to expiry.
    ///
    /// - Throws: the loader's `AWSError` when there are no usable credentials.
    public func credentials() async throws(AWSError) -> AWSCredentials {
        try await resolved().credentials
    }

    /// The cached credentials with their source and expiry, refreshed first when close to expiry.
    ///
    /// - Throws: the loader's `AWSError` when there are no usable credentials.
    public func resolved() async throws(AWSError) -> ResolvedCredentials {
        if let current {
            guard let expiration = current.expiration else { return current }
            let remaining = expiration.timeIntervalSince(clock())
            if remaining > Self.advisoryRefreshWindow { return current }
            if remaining > Self.mandatoryRefreshWindow {
                if refreshing != nil { return current }
                do {
                    return try await refresh()
                } catch {
                    return current
                }
            }
        }
        return try await refresh()
    }

    /// Counts a cancelled waiter, and stops the refresh once none of its waiters wants it any
    /// more: a `credential_process` must not outlive the runs that needed it.
    private func abandon(_ task: Task<ResolvedCredentials, any Error>) {
        guard var refresh = refreshing, refresh.task == task else { return }
        refresh.abandoned += 1
        refreshing = refresh
        if refresh.abandoned >= refresh.waiters {
            task.cancel()
            refreshing = nil
        }
    }

    /// Joins the refresh under way, or starts one.
    private func refresh() async throws(AWSError) -> ResolvedCredentials {
        var refresh = refreshing ?? Refresh(task: Task { [load] in try await load() })
        refresh.waiters += 1
        refreshing = refresh
        let task = refresh.task
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            Task { await self.abandon(task) }
        }
        if refreshing?.task == task { refreshing = nil }
        switch result {
        case .success(let credentials):
            current = credentials
            return credentials
        case .failure(let error as AWSError):
            throw error
        case .failure(let error):
            throw .credentialRetrievalFailed(source: "the credential cache", reason: "\(type(of: error))")
        }
    }
}

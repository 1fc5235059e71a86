/// A ZooKeeper probe client: the runbook's `zookeeper-shell <connect string> status` and
/// `ls /brokers/ids`, without a JVM.
///
/// `status` uses the four-letter words `ruok`, `srvr` and `mntr` (each on a fresh connection) plus a
/// protocol-level session handshake, so a server with four-letter words disabled (the default
/// `4lw.commands.whitelist` allows only `srvr`) is still told apart from one that is down, and one
/// that answers `imok` but serves no clients (out of quorum) is not taken for up.
/// Pass `tls` for a secure client port (2182 on MSK): the four-letter words and the session then run
/// over TLS, which ZooKeeper's secure port accepts. SASL is not supported.
public enum ZooKeeperProbe {
    /// The largest reply accepted on a session, 4 MiB; a server whose length prefix claims more fails
    /// the call with an error naming the claimed size and this limit.
    ///
    /// ZooKeeper itself refuses to send a reply over `jute.maxbuffer`, 1 MiB less one byte by default;
    /// 4 MiB leaves room for ensembles that raised it for large `getChildren` lists. The buffer grows
    /// only as bytes arrive, so a claim that is never sent costs nothing.
    public static let maxReplySize = 4 * 1_024 * 1_024

    /// Probes every server of `connectString` concurrently.
    ///
    /// - Parameters:
    ///   - connectString: A ZooKeeper connect string like `z-1.demo:2181,z-2.demo:2181/kafka`;
    ///     entries without a port use 2181. The chroot is ignored here.
    ///   - timeout: The time allowed for each server's whole probe. Its checks run at once, each on a
    ///     connection of its own with the whole timeout, so a word answered at a byte a second cannot
    ///     starve the session check.
    ///   - tls: TLS options for a secure client port; nil for plaintext.
    /// - Returns: One status per server, in connect-string order. Per-server failures are reported in
    ///   ``ZooKeeperServerStatus/error``, not thrown.
    /// - Throws: ``ZooKeeperProbeError`` (`.invalidArgument`) when the connect string is invalid.
    public static func status(_ connectString: String, timeout: Duration,
                              tls: ProbeTLSOptions? = nil) async throws(ZooKeeperProbeError) -> [ZooKeeperServerStatus] {
        let parsed = try parse(connectString)
        return await withTaskGroup(of: (Int, ZooKeeperServerStatus).self) { group in
            for (index, server) in parsed.hosts.enumerated() {
                group.addTask { (index, await status(of: server, timeout: timeout, tls: tls)) }
            }
            var results = [ZooKeeperServerStatus?](repeating: nil, count: parsed.hosts.count)
            for await (index, status) in group { results[index] = status }
            return results.enumerated().map { index, status in
                status ?? ZooKeeperServerStatus(host: parsed.hosts[index].host, port: parsed.hosts[index].port)
            }
        }
    }

    /// Lists the children of `path` (like `ls /brokers/ids`), sorted, trying the servers of
    /// `connectString` in order until one answers.
    ///
    /// The connect string's chroot is prepended, so `path: "/brokers/ids"` with `zk:2181/kafka` lists
    /// `/kafka/brokers/ids`. A server that answers with an error (such as NoNode) ends the search,
    /// since every server holds the same tree.
    ///
    /// - Parameters:
    ///   - connectString: A ZooKeeper connect string, optionally with a chroot.
    ///   - path: An absolute znode path such as `/brokers/ids`.
    ///   - timeout: The time allowed for each server tried.
    ///   - tls: TLS options for a secure client port; nil for plaintext.
    /// - Returns: The child names, sorted.
    /// - Throws: ``ZooKeeperProbeError``: `.invalidArgument` for a bad connect string or path,
    ///   `.serverError(code:)` when the server rejects the request (``ZooKeeperProbeError/isNoNode``
    ///   for a missing node), or `.noServerAnswered` listing each server's failure.
    public static func children(_ connectString: String, path: String, timeout: Duration,
                                tls: ProbeTLSOptions? = nil) async throws(ZooKeeperProbeError) -> [String] {
        let parsed = try parse(connectString)
        let serverPath = try self.serverPath(path, chroot: parsed.chroot)
        var failures: [ZooKeeperProbeError] = []
        for server in parsed.hosts {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            do throws(ZooKeeperProbeError) {
                var session = try await ZooKeeperSession.open(server, deadline: deadline, tls: tls)
                do throws(ZooKeeperProbeError) {
                    let names = try await session.children(of: serverPath, displayPath: path, deadline: deadline)
                    await session.close(deadline: deadline)
                    return names.sorted()
                } catch {
                    await session.close(deadline: deadline)
                    throw error
                }
            } catch {
                if case .serverError = error.kind { throw error }
                failures.append(error)
            }
        }
        if failures.count == 1, let only = failures.first { throw only }
        throw ZooKeeperProbeError(
            .noServerAnswered, server: nil,
            problem: "No ZooKeeper server of \(parsed) answered `ls \(path)`: "
                + failures.map(\.problem).joined(separator: "; "),
            remedy: "Check that the servers are running and reachable from this host on their client ports")
    }

    // MARK: - Helpers

    static func parse(_ connectString: String) throws(ZooKeeperProbeError) -> ZooKeeperConnectString {
        do {
            return try ConnectionStrings.zooKeeper(connectString)
        } catch {
            throw .invalidArgument("Invalid ZooKeeper connect string \(quoted(connectString)): \(error)",
                                   remedy: "Use host:port[,host:port...][/chroot], e.g. z-1.demo:2181,z-2.demo:2181/kafka")
        }
    }

    /// Validates `path` and prepends the chroot.
    static func serverPath(_ path: String, chroot: String?) throws(ZooKeeperProbeError) -> String {
        func invalid(_ why: String) -> ZooKeeperProbeError {
            .invalidArgument("Invalid ZooKeeper path \(quoted(path)): \(why)",
                             remedy: "Use an absolute path such as /brokers/ids")
        }
        guard path.hasPrefix("/") else { throw invalid("must start with '/'") }
        if path != "/" {
            guard !path.hasSuffix("/") else { throw invalid("must not end with '/'") }
            for segment in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                if segment.isEmpty { throw invalid("empty path segment ('//')") }
                if segment == "." || segment == ".." { throw invalid("relative segment \(quoted(String(segment)))") }
            }
        }
        if path.unicodeScalars.contains(where: { $0.value == 0 }) { throw invalid("contains a NUL character") }
        guard let chroot else { return path }
        return path == "/" ? chroot : chroot + path
    }

    /// Probes one server: `ruok`, `srvr`, `mntr` and a session handshake, all at once.
    ///
    /// How the timeout is split: each check has a connection of its own and the whole timeout as its
    /// deadline, and none waits for another, so the probe ends within the timeout and a check that
    /// drips (a word answered at 1 byte/s) takes no time from the others.
    static func status(of server: HostPort, timeout: Duration, tls: ProbeTLSOptions? = nil) async -> ZooKeeperServerStatus {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var status = ZooKeeperServerStatus(host: server.host, port: server.port)
        var problems: [String] = []

        async let ruokReply = FourLetterWords.send("ruok", to: server, deadline: deadline, tls: tls)
        async let srvrReply = FourLetterWords.send("srvr", to: server, deadline: deadline, tls: tls)
        async let mntrReply = FourLetterWords.send("mntr", to: server, deadline: deadline, tls: tls)
        async let session = sessionCheck(server, deadline: deadline, tls: tls)
        let replies = await (ruok: ruokReply, srvr: srvrReply, mntr: mntrReply, session: session)

        // `ruok` tells whether the server is reachable at all; when it could not connect, nor could
        // the others, and its error says it best.
        switch replies.ruok {
        case .failed(let error) where error.isConnectFailure:
            status.error = error.description
            return status
        case .failed(let error):
            status.reachable = true
            problems.append(error.description)
        case .notWhitelisted:
            status.reachable = true
            status.disabledFourLetterWords.append("ruok")
        case .answered(let text):
            status.reachable = true
            let answer = text.trimmedWhitespace
            status.ok = answer == "imok"
            if answer != "imok" {
                problems.append("`ruok` on \(server) answered \(quoted(answer)) instead of \"imok\"")
            }
        }

        var figures = FourLetterWords.Figures()
        switch replies.srvr {
        case .answered(let text):
            if text.contains(FourLetterWords.notServingMarker) {
                status.serving = false
                problems.append("`srvr` on \(server): \(text.trimmedWhitespace)")
            } else {
                figures = FourLetterWords.parseSrvr(text)
                if figures.mode != nil { status.serving = true }
            }
        case .notWhitelisted: status.disabledFourLetterWords.append("srvr")
        case .failed(let error): problems.append(error.description)
        }
        switch replies.mntr {
        case .answered(let text):
            if text.contains(FourLetterWords.notServingMarker) {
                status.serving = false
                problems.append("`mntr` on \(server): \(text.trimmedWhitespace)")
            } else {
                status.mntr = FourLetterWords.parseMntrPairs(text)
                let more = FourLetterWords.figures(fromMntr: status.mntr)
                if status.serving == nil, more.mode != nil { status.serving = true }
                figures.fillGaps(from: more)
            }
        case .notWhitelisted: status.disabledFourLetterWords.append("mntr")
        case .failed(let error): problems.append(error.description)
        }
        status.fourLetterWordsAllowed = status.disabledFourLetterWords.isEmpty
        status.take(figures)

        switch replies.session {
        case .success(let timeoutMs):
            status.sessionEstablished = true
            status.negotiatedSessionTimeoutMs = Int(timeoutMs)
        case .failure(let error):
            problems.append(error.description)
        }
        status.error = problems.isEmpty ? nil : problems.joined(separator: "; ")
        return status
    }

    /// Opens and closes a session; returns the negotiated session timeout in ms.
    private static func sessionCheck(_ server: HostPort, deadline: ContinuousClock.Instant,
                                     tls: ProbeTLSOptions?) async -> Result<Int32, ZooKeeperProbeError> {
        do {
            var session = try await ZooKeeperSession.open(server, deadline: deadline, tls: tls)
            await session.close(deadline: deadline)
            return .success(session.negotiatedTimeoutMs)
        } catch {
            return .failure(error)
        }
    }
}

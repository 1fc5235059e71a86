import Foundation
import RunbookEngine
import Synchronization

/// The process's standard output and error, written with write(2).
///
/// SIGPIPE is ignored (see `RunbookCLI.main`), so a reader that went away (`| head -2`)
/// shows up here as EPIPE: that stream stops, and the run and its journal go on. Foundation's
/// `FileHandle.write` would trap on the same error.
enum Output {
    private static let closed = Mutex<Set<Int32>>([])

    /// Writes all of `bytes` to `descriptor`, or stops writing to it for good at the first failure.
    static func write(_ bytes: some Collection<UInt8>, to descriptor: Int32) {
        guard !closed.withLock({ $0.contains(descriptor) }) else { return }
        let buffer = Array(bytes)
        var written = 0
        while written < buffer.count {
            let result = buffer[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                closed.withLock { _ = $0.insert(descriptor) }
                return
            }
            written += result
        }
    }
}

/// Writes to standard output without buffering, so lines appear as events happen.
let standardOutput: @Sendable (String) -> Void = { text in
    Output.write(text.utf8, to: STDOUT_FILENO)
}

/// Writes a message to standard error. Messages quote runbooks, parameters and answers, so
/// control characters are shown as escapes; line breaks stay.
func standardError(_ text: String) {
    Output.write(UntrustedText.terminalLines(text).utf8, to: STDERR_FILENO)
}

/// An error raised when probe input (metrics text, a connection string, a probe's arguments) is
/// malformed, or when a scrape gets no usable answer.
///
/// The ``description`` says what was wrong and where, for example
/// `line 12: expected '=' after label name "job"`,
/// `bootstrap broker entry 2 ("b-2.example:0"): port 0 is outside 1-65535` or
/// `http://10.0.0.5:11002/metrics answered HTTP 503`.
public struct ProbeError: Error, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        /// A line of Prometheus text exposition could not be parsed.
        case exposition(line: Int, problem: String)
        /// A whole connection string was empty.
        case emptyConnectionString(what: String)
        /// One comma-separated entry of a connection string was invalid (index is 1-based).
        case connectionEntry(what: String, index: Int, entry: String, problem: String)
        /// A ZooKeeper chroot path was invalid.
        case chroot(path: String, problem: String)
        /// A caller-supplied argument was out of range.
        case argument(name: String, problem: String)
        /// A scrape's endpoint answered with a status other than 200.
        case scrapeStatus(url: String, status: Int)
        /// A scrape got no answer, too large an answer, or one that did not parse.
        case scrape(url: String, problem: String)
        /// An exposition held more samples than the caller can take.
        case tooManySamples(limit: Int)
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// A human-readable message saying what was wrong and where.
    public var description: String {
        switch kind {
        case let .exposition(line, problem):
            return "line \(line): \(problem)"
        case let .emptyConnectionString(what):
            return "\(what) string is empty"
        case let .connectionEntry(what, index, entry, problem):
            return "\(what) entry \(index) (\(quoted(entry))): \(problem)"
        case let .chroot(path, problem):
            return "ZooKeeper chroot \(quoted(path)): \(problem)"
        case let .argument(name, problem):
            return "argument \(name): \(problem)"
        case let .scrapeStatus(url, status):
            return "\(url) answered HTTP \(status)"
        case let .scrape(url, problem):
            return "\(url): \(problem)"
        case let .tooManySamples(limit):
            return "the exposition has more than \(limit) samples"
        }
    }

    /// The sample limit passed, for an exposition that had more samples than its caller could take.
    public var sampleLimit: Int? {
        if case .tooManySamples(let limit) = kind { limit } else { nil }
    }

    static func exposition(line: Int, _ problem: String) -> ProbeError {
        ProbeError(.exposition(line: line, problem: problem))
    }

    static func emptyConnectionString(_ what: String) -> ProbeError {
        ProbeError(.emptyConnectionString(what: what))
    }

    static func connectionEntry(_ what: String, index: Int, entry: String, _ problem: String) -> ProbeError {
        ProbeError(.connectionEntry(what: what, index: index, entry: entry, problem: problem))
    }

    static func chroot(_ path: String, _ problem: String) -> ProbeError {
        ProbeError(.chroot(path: path, problem: problem))
    }

    static func tooManySamples(_ limit: Int) -> ProbeError {
        ProbeError(.tooManySamples(limit: limit))
    }

    static func argument(_ name: String, _ problem: String) -> ProbeError {
        ProbeError(.argument(name: name, problem: problem))
    }

    static func scrapeStatus(_ url: String, _ status: Int) -> ProbeError {
        ProbeError(.scrapeStatus(url: url, status: status))
    }

    static func scrape(_ url: String, _ problem: String) -> ProbeError {
        ProbeError(.scrape(url: url, problem: problem))
    }
}

/// Wraps `text` in double quotes, escaping backslashes, quotes and control characters so the
/// result is unambiguous inside an error message.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

/// `n` bytes in MiB, as the size limits are given: `16 MiB`, `64.5 MiB`.
func mebibytes(_ n: Int) -> String {
    let value = Double(n) / 1_048_576
    return value == value.rounded() ? "\(Int(value)) MiB" : "\((value * 10).rounded() / 10) MiB"
}

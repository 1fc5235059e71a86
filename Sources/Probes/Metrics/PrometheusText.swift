/// A parsed Prometheus text exposition (format 0.0.4) body, as served by node_exporter,
/// the JMX exporter and Amazon MSK open monitoring (ports 11001 and 11002).
///
/// Parsing follows the text format rules:
/// - lines end in `\n` (a `\r` before it is dropped); blank lines are ignored;
/// - tokens are separated by any run of spaces or tabs; leading and trailing blanks are ignored;
/// - `# HELP name text` sets help text (escapes `\\` and `\n`), `# TYPE name type` sets the type
///   and must come before the family's samples; other `#` lines are comments and are ignored;
/// - a sample is `name{label="value",...} value [timestamp]`, where label values use the escapes
///   `\\`, `\"` and `\n`, the label set may be empty (`{}`) or end with a comma, the value may be
///   `NaN`, `+Inf` or `-Inf`, and the timestamp is an integer count of milliseconds;
/// - samples whose family has no `# TYPE` line form an ``MetricType/untyped`` family.
///
/// Any malformed line makes the whole parse throw a ``ProbeError`` naming the 1-based line number
/// and what was expected there.
public struct PrometheusText: Sendable, Hashable {
    /// The metric families in order of first appearance.
    public let families: [MetricFamily]

    /// Parses a Prometheus text exposition body.
    ///
    /// - Parameters:
    ///   - body: The HTTP response body, for example of `GET /metrics`.
    ///   - maximumSamples: the most samples taken; more is an error, found before they are all
    ///     held, so a caller bounds the memory a hostile endpoint can make it use.
    ///   - deadline: parsing a large body takes time; past this instant it stops with an error.
    /// - Throws: ``ProbeError`` naming the line number and the problem when a line is malformed,
    ///   one with a ``ProbeError/sampleLimit`` past `maximumSamples`, or one saying parsing ran
    ///   past `deadline`.
    public init(parsing body: String, maximumSamples: Int? = nil, deadline: ContinuousClock.Instant? = nil) throws(ProbeError) {
        try self.init(parsing: Array(body.utf8), maximumSamples: maximumSamples, deadline: deadline)
    }

    /// Parses a body as its bytes, as ``init(parsing:maximumSamples:deadline:)`` parses text,
    /// without a copy of a scrape's body as a `String` first.
    init(parsing bytes: [UInt8], maximumSamples: Int?, deadline: ContinuousClock.Instant?) throws(ProbeError) {
        var builder = FamilyBuilder()
        var lineStart = 0
        var lineNumber = 1
        var samples = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != ASCII.newline {
                lineEnd += 1
            }
            let added = try Self.parseLine(bytes[lineStart..<lineEnd], number: lineNumber, into: &builder)
            if added {
                samples += 1
                if let maximumSamples, samples > maximumSamples { throw .tooManySamples(maximumSamples) }
            }
            // The clock is read every few thousand lines: often enough to stop within
            // milliseconds, rarely enough not to show in a profile.
            if let deadline, lineNumber & 4095 == 0, ContinuousClock.now >= deadline {
                throw .exposition(line: lineNumber, "parsing did not finish within the timeout")
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        families = builder.families
    }

    /// Returns the family with exactly this name, if any.
    public func family(named name: String) -> MetricFamily? {
        families.first { $0.name == name }
    }

    /// Returns all samples with this sample name whose labels include every pair in `labels`.
    ///
    /// The name is the sample name, so histogram buckets are found as `<family>_bucket`.
    public func samples(named name: String, matching labels: [String: String] = [:]) -> [MetricSample] {
        families.flatMap { family in
            family.samples.filter { $0.name == name && $0.hasLabels(labels) }
        }
    }

    /// Returns the value of the first sample, in exposition order, with this sample name whose
    /// labels include every pair in `labels`, or `nil` when there is none.
    public func value(of name: String, matching labels: [String: String] = [:]) -> Double? {
        for family in families {
            for sample in family.samples where sample.name == name && sample.hasLabels(labels) {
                return sample.value
            }
        }
        return nil
    }
}

// MARK: - Line parsing

extension PrometheusText {
    /// Parses one line; true when it was a sample.
    private static func parseLine(
        _ rawLine: ArraySlice<UInt8>,
        number: Int,
        into builder: inout FamilyBuilder
    ) throws(ProbeError) -> Bool {
        var line = rawLine
        while let last = line.last, last == ASCII.carriageReturn || ASCII.isBlank(last) {
            line.removeLast()
        }
        var cursor = LineCursor(bytes: line, lineNumber: number)
        cursor.skipBlanks()
        guard let first = cursor.current else { return false }
        if first == ASCII.hash {
            try parseComment(&cursor, into: &builder)
            return false
        }
        try parseSample(&cursor, into: &builder)
        return true
    }

    private static func parseComment(_ cursor: inout LineCursor, into builder: inout FamilyBuilder) throws(ProbeError) {
        cursor.advance()
        cursor.skipBlanks()
        let keyword = cursor.readUntilBlank()
        guard keyword == "HELP" || keyword == "TYPE" else { return }
        cursor.skipBlanks()
        guard let name = cursor.readName(allowingColon: true) else {
            throw cursor.error("expected metric name after '# \(keyword)', found \(cursor.describeCurrent())")
        }
        if let next = cursor.current, !ASCII.isBlank(next) {
            throw cursor.error(
                "expected whitespace after metric name \(quoted(name)) in '# \(keyword)' line, found \(cursor.describeCurrent())"
            )
        }
        cursor.skipBlanks()
        if keyword == "HELP" {
            let help = try cursor.readHelpText(metric: name)
            try builder.setHelp(help, for: name, line: cursor.lineNumber)
        } else {
            let typeName = cursor.readUntilBlank()
            guard !typeName.isEmpty else {
                throw cursor.error("expected metric type after '# TYPE \(name)'")
            }
            guard let type = MetricType(rawValue: typeName) else {
                throw cursor.error(
                    "unknown metric type \(quoted(typeName)) for \(quoted(name)) "
                        + "(expected counter, gauge, histogram, summary or untyped)"
                )
            }
            cursor.skipBlanks()
            guard cursor.isAtEnd else {
                throw cursor.error(
                    "unexpected \(quoted(cursor.rest())) after metric type in '# TYPE \(name)' line"
                )
            }
            try builder.setType(type, for: name, line: cursor.lineNumber)
        }
    }

    private static func parseSample(_ cursor: inout LineCursor, into builder: inout FamilyBuilder) throws(ProbeError) {
        guard let name = cursor.readName(allowingColon: true) else {
            throw cursor.error("expected metric name at start of sample, found \(cursor.describeCurrent())")
        }
        var labels: [String: String] = [:]
        if let next = cursor.current, next != ASCII.openBrace, !ASCII.isBlank(next) {
            throw cursor.error(
                "expected whitespace or '{' after metric name \(quoted(name)), found \(cursor.describeCurrent())"
            )
        }
        cursor.skipBlanks()
        if cursor.current == ASCII.openBrace {
            cursor.advance()
            labels = try parseLabels(&cursor, metric: name)
            cursor.skipBlanks()
        }
        let valueToken = cursor.readUntilBlank()
        guard !valueToken.isEmpty else {
            throw cursor.error("expected sample value after metric \(quoted(name))")
        }
        guard let value = parseFloat(valueToken) else {
            throw cursor.error(
                "invalid sample value \(quoted(valueToken)) for metric \(quoted(name)) "
                    + "(expected a float, NaN, +Inf or -Inf)"
            )
        }
        cursor.skipBlanks()
        var timestamp: Int64?
        if !cursor.isAtEnd {
            let timestampToken = cursor.readUntilBlank()
            guard let parsed = Int64(timestampToken) else {
                throw cursor.error(
                    "invalid timestamp \(quoted(timestampToken)) for metric \(quoted(name)) "
                        + "(expected integer milliseconds)"
                )
            }
            timestamp = parsed
            cursor.skipBlanks()
            guard cursor.isAtEnd else {
                throw cursor.error("unexpected \(quoted(cursor.rest())) after timestamp of metric \(quoted(name))")
            }
        }
        let sample = MetricSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp)
        try builder.add(sample, line: cursor.lineNumber)
    }

    /// Parses label pairs after the opening `{` up to and including the closing `}`.
    private static func parseLabels(_ cursor: inout LineCursor, metric: String) throws(ProbeError) -> [String: String] {
        var labels: [String: String] = [:]
        while true {
            cursor.skipBlanks()
            if cursor.current == ASCII.closeBrace {
                cursor.advance()
                return labels
            }
            guard let labelName = cursor.readName(allowingColon: false) else {
                throw cursor.error(
                    "expected label name or '}' in labels of metric \(quoted(metric)), found \(cursor.describeCurrent())"
                )
            }
            cursor.skipBlanks()
            guard cursor.current == ASCII.equals else {
                throw cursor.error("expected '=' after label name \(quoted(labelName)), found \(cursor.describeCurrent())")
            }
            cursor.advance()
            cursor.skipBlanks()
            guard cursor.current == ASCII.quote else {
                throw cursor.error(
                    "expected '\"' to open the value of label \(quoted(labelName)), found \(cursor.describeCurrent())"
                )
            }
            cursor.advance()
            let labelValue = try cursor.readLabelValue(label: labelName)
            guard labels[labelName] == nil else {
                throw cursor.error("duplicate label \(quoted(labelName)) on metric \(quoted(metric))")
            }
            labels[labelName] = labelValue
            cursor.skipBlanks()
            switch cursor.current {
            case ASCII.comma:
                cursor.advance()
            case ASCII.closeBrace:
                cursor.advance()
                return labels
            default:
                throw cursor.error(
                    "expected ',' or '}' after the value of label \(quoted(labelName)), found \(cursor.describeCurrent())"
                )
            }
        }
    }

    /// Parses a sample value or a bucket bound: a decimal float within a double's range, `NaN`,
    /// or an infinity with optional sign.
    static func parseFloat(_ token: String) -> Double? {
        switch token.lowercased() {
        case "nan":
            return .nan
        case "inf", "+inf", "infinity", "+infinity":
            return .infinity
        case "-inf", "-infinity":
            return -.infinity
        default:
            break
        }
        var sawDigit = false
        for byte in token.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                continue
            default:
                return nil
            }
        }
        guard sawDigit, let value = Double(token) else { return nil }
        // Out of range is malformed, as hex floats (0x1p4) are, and as Prometheus's own parser
        // has both; infinity is spelled `+Inf`.
        return value.isFinite ? value : nil
    }
}

// MARK: - Family grouping

/// Accumulates samples into families, enforcing the HELP/TYPE ordering rules.
private struct FamilyBuilder {
    private struct Entry {
        var family: MetricFamily
        var typeDeclared = false
    }

    private var entries: [Entry] = []
    private var indexByName: [String: Int] = [:]

    var families: [MetricFamily] { entries.map(\.family) }

    mutating func setHelp(_ help: String, for name: String, line: Int) throws(ProbeError) {
        let index = indexOrCreate(name)
        guard entries[index].family.help == nil else {
            throw .exposition(line: line, "second '# HELP' line for metric \(quoted(name))")
        }
        entries[index].family.help = help
    }

    mutating func setType(_ type: MetricType, for name: String, line: Int) throws(ProbeError) {
        let index = indexOrCreate(name)
        guard !entries[index].typeDeclared else {
            throw .exposition(line: line, "second '# TYPE' line for metric \(quoted(name))")
        }
        let suffixes: [String]
        switch type {
        case .histogram: suffixes = ["", "_bucket", "_sum", "_count"]
        case .summary: suffixes = ["", "_sum", "_count"]
        case .counter, .gauge, .untyped: suffixes = [""]
        }
        for suffix in suffixes {
            if let existing = indexByName[name + suffix], !entries[existing].family.samples.isEmpty {
                throw .exposition(
                    line: line,
                    "'# TYPE' line for \(quoted(name)) must come before its samples (first seen as \(quoted(name + suffix)))"
                )
            }
        }
        entries[index].family.type = type
        entries[index].typeDeclared = true
    }

    mutating func add(_ sample: MetricSample, line: Int) throws(ProbeError) {
        let index = familyIndex(forSample: sample.name)
        // The type and name only: a copy of the family would share its samples, and the
        // append below would then copy them all, making a parse quadratic.
        let (type, familyName) = (entries[index].family.type, entries[index].family.name)
        switch type {
        case .histogram:
            if sample.name == familyName + "_bucket" {
                try Self.requireFloatLabel("le", on: sample, kind: "histogram bucket", line: line)
            } else if sample.name == familyName {
                throw .exposition(
                    line: line,
                    "expected \"_bucket\", \"_sum\" or \"_count\" suffix on sample of histogram \(quoted(familyName))"
                )
            }
        case .summary:
            if sample.name == familyName {
                try Self.requireFloatLabel("quantile", on: sample, kind: "summary quantile", line: line)
            }
        case .counter, .gauge, .untyped:
            break
        }
        entries[index].family.samples.append(sample)
    }

    private static func requireFloatLabel(
        _ label: String,
        on sample: MetricSample,
        kind: String,
        line: Int
    ) throws(ProbeError) {
        guard let text = sample.labels[label] else {
            throw .exposition(line: line, "expected \(quoted(label)) label on \(kind) sample \(quoted(sample.name))")
        }
        guard PrometheusText.parseFloat(text) != nil else {
            throw .exposition(
                line: line,
                "invalid \(quoted(label)) label value \(quoted(text)) on \(kind) sample \(quoted(sample.name)) (expected a float)"
            )
        }
    }

    /// Finds the family a sample belongs to: an exact name match first, then a histogram or summary
    /// whose name is the sample name without its `_bucket`, `_sum` or `_count` suffix.
    private mutating func familyIndex(forSample name: String) -> Int {
        if let index = indexByName[name] {
            return index
        }
        let rules: [(suffix: String, types: [MetricType])] = [
            ("_bucket", [.histogram]),
            ("_sum", [.histogram, .summary]),
            ("_count", [.histogram, .summary]),
        ]
        for rule in rules where name.hasSuffix(rule.suffix) {
            let base = String(name.dropLast(rule.suffix.count))
            if let index = indexByName[base], rule.types.contains(entries[index].family.type) {
                return index
            }
        }
        return indexOrCreate(name)
    }

    private mutating func indexOrCreate(_ name: String) -> Int {
        if let index = indexByName[name] {
            return index
        }
        entries.append(Entry(family: MetricFamily(name: name)))
        indexByName[name] = entries.count - 1
        return entries.count - 1
    }
}

// MARK: - Byte scanning

private enum ASCII {
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let comma = UInt8(ascii: ",")
    static let backslash = UInt8(ascii: "\\")
    static let underscore = UInt8(ascii: "_")
    static let colon = UInt8(ascii: ":")

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// A position within one line of exposition text.
private struct LineCursor {
    let bytes: ArraySlice<UInt8>
    let lineNumber: Int
    private var index: Int

    init(bytes: ArraySlice<UInt8>, lineNumber: Int) {
        self.bytes = bytes
        self.lineNumber = lineNumber
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }

    var current: UInt8? { isAtEnd ? nil : bytes[index] }

    mutating func advance() {
        if !isAtEnd {
            index += 1
        }
    }

    mutating func skipBlanks() {
        while let byte = current, ASCII.isBlank(byte) {
            index += 1
        }
    }

    /// Reads a metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or, without colons, a label name.
    mutating func readName(allowingColon: Bool) -> String? {
        let start = index
        while let byte = current {
            let allowed = ASCII.isLetter(byte) || byte == ASCII.underscore
                || (allowingColon && byte == ASCII.colon)
                || (index > start && ASCII.isDigit(byte))
            guard allowed else { break }
            index += 1
        }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// Reads bytes up to the next blank or the end of the line.
    mutating func readUntilBlank() -> String {
        let start = index
        while let byte = current, !ASCII.isBlank(byte) {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Returns the rest of the line without consuming it.
    func rest() -> String {
        String(decoding: bytes[index...], as: UTF8.self)
    }

    /// Reads a label value after its opening quote, through the closing quote.
    mutating func readLabelValue(label: String) throws(ProbeError) -> String {
        var value: [UInt8] = []
        while let byte = current {
            index += 1
            switch byte {
            case ASCII.quote:
                return String(decoding: value, as: UTF8.self)
            case ASCII.backslash:
                guard let escaped = current else {
                    throw error("unterminated escape sequence at end of the value of label \(quoted(label))")
                }
                switch escaped {
                case ASCII.backslash: value.append(ASCII.backslash)
                case ASCII.quote: value.append(ASCII.quote)
                case UInt8(ascii: "n"): value.append(ASCII.newline)
                default:
                    throw error(
                        "invalid escape sequence \(escapeDescription()) in the value of label \(quoted(label)) "
                            + "(expected \\\\, \\\" or \\n)"
                    )
                }
                index += 1
            default:
                value.append(byte)
            }
        }
        throw error("expected '\"' to close the value of label \(quoted(label)), found end of line")
    }

    /// Reads the rest of a `# HELP` line, unescaping `\\` and `\n`.
    mutating func readHelpText(metric: String) throws(ProbeError) -> String {
        var text: [UInt8] = []
        while let byte = current {
            index += 1
            guard byte == ASCII.backslash else {
                text.append(byte)
                continue
            }
            switch current {
            case ASCII.backslash: text.append(ASCII.backslash)
            case UInt8(ascii: "n"): text.append(ASCII.newline)
            case nil:
                throw error("unterminated escape sequence at end of '# HELP' text for \(quoted(metric))")
            default:
                throw error(
                    "invalid escape sequence \(escapeDescription()) in '# HELP' text for \(quoted(metric)) "
                        + "(expected \\\\ or \\n)"
                )
            }
            index += 1
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Describes the character at the cursor for an error message.
    func describeCurrent() -> String {
        guard !isAtEnd, let character = rest().first else { return "end of line" }
        return quoted(String(character))
    }

    /// Describes the backslash escape whose second character is at the cursor, like `'\t'`.
    private func escapeDescription() -> String {
        let character = rest().first.map(String.init) ?? ""
        return "'\\\(character)'"
    }

    func error(_ problem: String) -> ProbeError {
        .exposition(line: lineNumber, problem)
    }
}

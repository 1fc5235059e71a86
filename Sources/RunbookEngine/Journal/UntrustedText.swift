/// Text from runbooks, parameters, events and AWS answers, made safe to show.
///
/// On a terminal, a control character could move the cursor, set the window title, write the
/// clipboard (OSC 52) or print a fake `✓ ok` line; in Markdown, HTML or a link could pass
/// through to whoever renders the report. So every such string is shown with its control
/// characters as visible escapes, and in Markdown with HTML and Markdown punctuation escaped.
public enum UntrustedText {
    /// `text` with every control character but tab as a visible escape: `\n`, `\r`, `\x1b`,
    /// `\u{85}`, and the bidirectional overrides that reorder what a reader sees.
    public static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x80: out += "\\x" + hex(scalar.value, 2)
            default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    /// Like ``terminal(_:)``, but line breaks stay line breaks: for texts of several lines that
    /// the tool prints as a block of their own (a description, an error with its hint).
    public static func terminalLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { terminal(String($0)) }.joined(separator: "\n")
    }

    /// Inline Markdown text: visible escapes, HTML as entities, and the punctuation that makes
    /// emphasis, code, links and tables escaped, so the text reads as the runbook wrote it.
    public static func markdown(_ text: String) -> String {
        var out = ""
        for character in terminal(text) {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\\", "`", "*", "_", "[", "]", "|", "#", "!", "~": out += "\\" + String(character)
            default: out.append(character)
            }
        }
        return out
    }

    /// A code fence longer than any run of backticks in `content`, so the content cannot close it.
    public static func fence(for content: String) -> String {
        var longest = 0
        var run = 0
        for character in content {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        // Tab only moves to the next column; every other C0 and C1 control is shown.
        case 0x09: false
        case 0x00...0x08, 0x0A...0x1F, 0x7F...0x9F: true
        // Bidirectional marks, embeddings, overrides and isolates: they reorder what is shown.
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func hex(_ value: UInt32, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

@_spi(Fuzzing) import AWSKit
import FuzzSupport

// ~/.aws/config and ~/.aws/credentials are text a person or a tool wrote. Parsing must return
// sections or throw, never trap; and the sections, written again as INI text, must parse to the
// same sections.

private func written(_ sections: [FuzzEntryPoints.ConfigSection]) -> String {
    var text = ""
    for section in sections {
        text += "[ \(section.name) ]\n"
        for (key, value) in section.strings.sorted(by: { $0.key < $1.key }) {
            text += "\(key) = \(value.replacingOccurrences(of: "\n", with: "\n  "))\n"
        }
        for (key, nested) in section.nested.sorted(by: { $0.key < $1.key }) {
            text += "\(key) =\n"
            for (name, value) in nested.sorted(by: { $0.key < $1.key }) {
                text += "  \(name) = \(value)\n"
            }
        }
    }
    return text
}

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    let sections: [FuzzEntryPoints.ConfigSection]
    do {
        sections = try FuzzEntryPoints.awsConfigFile(text)
    } catch {
        _ = "\(error)"
        return
    }
    for kind in ["profile", "sso-session", "services"] {
        _ = try? FuzzEntryPoints.awsNamedSections(text, kind: kind)
    }
    let rewritten = written(sections)
    do {
        let again = try FuzzEntryPoints.awsConfigFile(rewritten)
        property(again == sections, "sections changed after writing: \(sections) then \(again)")
    } catch {
        property(false, "the file written from \(sections) does not parse: \(error)\n\(rewritten)")
    }
}

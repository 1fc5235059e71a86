@_spi(Fuzzing) import AWSKit
import FuzzSupport

// An AWS answer in XML is untrusted bytes from the network, read by libxml2 through CXMLShim.
// Reading must give a tree or throw, never trap; and the tree, written again as XML, must read
// back as the same tree (so nothing is lost or invented between libxml2 and the decoders).

private func escaped(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        // Kept as references: a parser normalises them in attributes, and CR in text.
        case "\t", "\n", "\r": out += "&#\(scalar.value);"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

private func written(_ element: FuzzEntryPoints.XMLElement) -> String {
    var out = "<" + element.name
    for (name, value) in element.attributes.sorted(by: { $0.key < $1.key }) {
        out += " \(name)=\"\(escaped(value))\""
    }
    out += ">" + escaped(element.text)
    for child in element.children { out += written(child) }
    return out + "</\(element.name)>"
}

fuzz { bytes in
    let tree: FuzzEntryPoints.XMLElement
    do {
        tree = try FuzzEntryPoints.xmlAnswer(bytes)
    } catch {
        _ = "\(error)"
        return
    }
    let rewritten = written(tree)
    do {
        let again = try FuzzEntryPoints.xmlAnswer(Array(rewritten.utf8))
        property(again == tree, "the tree changed after writing: \(tree) then \(again)")
    } catch {
        property(false, "the XML written from \(tree) does not read: \(error)\n\(rewritten)")
    }
}

import AWSKit
import Foundation

/// A module function a runbook's source names, with what it does to the world.
public struct PrimitiveUse: Sendable, Hashable {
    /// How the source names it: `kafka.reboot_broker`, `aws.ec2.describe_vpcs`.
    public let name: String
    /// Its effect by the module registry, or by the AWS model's class for `aws.<client>.<operation>`.
    public let effect: Effect
}

/// The primitives a runbook file names, found without running it: what a reviewer approving
/// it for automated runs needs to see first.
///
/// The scan reads the source with its comments and strings removed and looks for the dotted
/// names the modules declare (`probe.tcp`) and `aws.<client>.<operation>`. It is static: a name
/// built at run time (`kafka[name]`, a module held in a local) is not seen; a dry run shows
/// exactly what a run sends.
public enum PrimitiveScan {
    /// The functions with an effect (read, probe, mutate) that `runbook`'s file names, mutates
    /// first, then probes, then reads, each sorted by name.
    ///
    /// - Throws: ``RunbookError`` when the file cannot be read or no longer has the bytes
    ///   ``Runbook/sha256`` was taken of.
    public static func uses(of runbook: Runbook, modules: [LuaModule]) throws -> [PrimitiveUse] {
        guard let data = FileManager.default.contents(atPath: runbook.file) else {
            throw RunbookError(.io, "cannot read \(runbook.file)")
        }
        guard SHA256.hex(data) == runbook.sha256 else {
            throw RunbookError(.invalid, "\(runbook.file) changed while it was read", hint: "run the command again")
        }
        return uses(in: String(decoding: data, as: UTF8.self), modules: modules)
    }

    /// The functions with an effect that `source` names; see ``uses(of:modules:)``.
    static func uses(in source: String, modules: [LuaModule]) -> [PrimitiveUse] {
        var known: [String: Effect] = [:]
        for module in modules {
            for function in module.functions where function.effect != .pure {
                known[module.qualifiedName(of: function)] = function.effect
            }
        }
        let awsModule = modules.contains { $0.name == LuaModule.aws.name } ? LuaModule.aws.name : nil
        var found: Set<PrimitiveUse> = []
        for chain in dottedNames(in: source) {
            if chain.count >= 2, let effect = known[chain[0] + "." + chain[1]] {
                found.insert(PrimitiveUse(name: chain[0] + "." + chain[1], effect: effect))
            } else if let effect = known[chain[0]] {
                found.insert(PrimitiveUse(name: chain[0], effect: effect))
            } else if chain.count >= 3, chain[0] == awsModule, let effect = awsOperationEffect(client: chain[1], method: chain[2]) {
                found.insert(PrimitiveUse(name: chain[0..<3].joined(separator: "."), effect: effect))
            }
        }
        let order: [Effect] = [.mutate, .probe, .read]
        return found.sorted { (order.firstIndex(of: $0.effect) ?? order.count, $0.name) < (order.firstIndex(of: $1.effect) ?? order.count, $1.name) }
    }

    /// The effect of `aws.<client>.<method>`: a model operation's class, or the client's `wait`
    /// (a read); nil for a name that is no operation, which the run itself would refuse.
    private static func awsOperationEffect(client: String, method: String) -> Effect? {
        guard AWSServiceModel.services.contains(client) else { return nil }
        if method == "wait" { return .read }
        guard let model = try? AWSServiceModel.load(client), let operation = model.operationsByMethod[method] else { return nil }
        return Effect(AWSOperationClass.of(service: client, operation: operation))
    }

    /// Every name path `a.b.c` in `source` that starts at a global, i.e. is not itself a field
    /// (`x.kafka.reboot_broker`) or a method (`s:kafka`), with comments and strings skipped.
    static func dottedNames(in source: String) -> [[String]] {
        let bytes = Array(source.utf8)
        var chains: [[String]] = []
        var current: [String] = []
        // The significant byte before the name being read: `.` or `:` make it a field, not a global.
        var previous: UInt8 = 0
        var expectingName = false
        var index = 0
        func finish() {
            if !current.isEmpty { chains.append(current) }
            current = []
            expectingName = false
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                finish()
                index += 2
                if let end = longBracketEnd(bytes, from: index) {
                    index = end
                } else {
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                }
                continue
            }
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                finish()
                index += 1
                while index < bytes.count, bytes[index] != byte, bytes[index] != UInt8(ascii: "\n") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                index += 1
                previous = byte
                continue
            }
            if byte == UInt8(ascii: "["), let end = longBracketEnd(bytes, from: index) {
                finish()
                index = end
                previous = byte
                continue
            }
            if isNameStart(byte) {
                var end = index
                while end < bytes.count, isNameStart(bytes[end]) || (0x30...0x39).contains(bytes[end]) { end += 1 }
                let name = String(decoding: bytes[index..<end], as: UTF8.self)
                if expectingName {
                    current.append(name)
                    expectingName = false
                } else {
                    finish()
                    if previous != UInt8(ascii: ".") && previous != UInt8(ascii: ":") { current = [name] }
                }
                index = end
                previous = 0
                continue
            }
            if (0x30...0x39).contains(byte) {
                // A number, exponent and hex digits included, so `1e5` reads as no name.
                finish()
                while index < bytes.count, isNameStart(bytes[index]) || (0x30...0x39).contains(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
                    index += 1
                }
                previous = 0
                continue
            }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "."), !current.isEmpty, !expectingName,
                index + 1 >= bytes.count || bytes[index + 1] != UInt8(ascii: ".") {
                expectingName = true
            } else {
                finish()
                // `..` is concatenation: the name after it is a global again.
                if byte == UInt8(ascii: "."), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ".") {
                    index += 2
                    previous = 0
                    continue
                }
            }
            previous = byte
            index += 1
        }
        finish()
        return chains
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_")
    }

    /// The index after the long bracket (`[[ ]]`, `[==[ ]==]`) opening at `start`, the source's
    /// end when it is never closed, or nil when no long bracket opens there.
    private static func longBracketEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return nil }
        var level = 0
        var index = start + 1
        while index < bytes.count, bytes[index] == UInt8(ascii: "=") {
            level += 1
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return nil }
        let closing = [UInt8(ascii: "]")] + Array(repeating: UInt8(ascii: "="), count: level) + [UInt8(ascii: "]")]
        index += 1
        while index + closing.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "]"), Array(bytes[index..<index + closing.count]) == closing { return index + closing.count }
            index += 1
        }
        return bytes.count
    }
}

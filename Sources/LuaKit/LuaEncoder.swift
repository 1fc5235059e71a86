/// Turns any `Encodable` Swift value into a ``LuaValue``: the one way results reach Lua.
///
/// Structs become tables with string keys, arrays become sequences, optionals that are nil
/// leave their key out, integers stay integers and floating-point numbers become numbers.
///
/// ```swift
/// struct Probe: Encodable { let ok: Bool; let latencyMs: Double; let reason: String? }
/// let value = try LuaEncoder(keys: .snakeCase).encode(Probe(ok: true, latencyMs: 1.5, reason: nil))
/// // {ok = true, latency_ms = 1.5}
/// ```
public struct LuaEncoder: Sendable {
    /// How coding keys become table keys.
    public enum KeyStyle: Sendable {
        /// `latencyMs` becomes `latency_ms`: for shapes the project owns.
        case snakeCase
        /// Keys as the type names them: for shapes others own (AWS wire member names).
        case asIs
    }

    /// How coding keys become table keys.
    public var keys: KeyStyle

    /// An encoder writing keys in `keys` style.
    public init(keys: KeyStyle = .snakeCase) { self.keys = keys }

    /// The Lua value for `value`.
    ///
    /// - Throws: ``LuaHostError`` for an unsigned integer beyond Lua's 64-bit integers.
    public func encode(_ value: some Encodable) throws -> LuaValue {
        try encodeDescribing(value).value
    }

    /// A value encoded with notes on its type, for documentation.
    public struct Described: Sendable {
        /// The Lua value.
        public let value: LuaValue
        /// Key paths (`certificate.not_after`, `brokers.[].rack`) the type encodes only when present.
        public let optional: Set<String>
        /// Key paths whose tables are maps with data for keys (`headers`), not records.
        public let maps: Set<String>
    }

    /// The Lua value for `value`, with which of its fields are optional and which tables are maps.
    public func encodeDescribing(_ value: some Encodable) throws -> Described {
        if let scalar = value as? any LuaScalar { return Described(value: try scalar.luaValue(), optional: [], maps: []) }
        let root = EncodingNode()
        let notes = ShapeNotes()
        try value.encode(to: TreeEncoder(node: root, path: [], style: keys, notes: notes))
        return Described(value: root.value, optional: notes.optional, maps: notes.maps)
    }
}

/// One value under construction; containers fill it in place.
private final class EncodingNode {
    enum Content {
        case empty
        case scalar(LuaValue)
        case keyed([(String, EncodingNode)])
        case unkeyed([EncodingNode])
    }
    var content = Content.empty
    /// Where each key sits in `.keyed`, so big maps do not search.
    private var positions: [String: Int] = [:]

    var value: LuaValue {
        switch content {
        case .empty: return .nil
        case .scalar(let value): return value
        case .keyed(let entries):
            var table = LuaTable()
            for (key, node) in entries { table[.string(key)] = node.value }
            return .table(table)
        case .unkeyed(let items):
            return .table(LuaTable(array: items.map(\.value).filter { $0 != .nil }))
        }
    }

    func keyedChild(_ key: String) -> EncodingNode {
        beginKeyed()
        guard case .keyed(var entries) = content else { return EncodingNode() }
        if let position = positions[key] { return entries[position].1 }
        let child = EncodingNode()
        positions[key] = entries.count
        content = .empty  // drop the reference so the append below does not copy
        entries.append((key, child))
        content = .keyed(entries)
        return child
    }

    /// Makes this node a table with string keys (an empty struct is still a table).
    func beginKeyed() {
        if case .keyed = content { return }
        content = .keyed([])
        positions = [:]
    }

    func appendChild() -> EncodingNode {
        var items: [EncodingNode] = []
        if case .unkeyed(let existing) = content { items = existing }
        content = .empty  // drop the reference so the append below does not copy
        let child = EncodingNode()
        items.append(child)
        content = .unkeyed(items)
        return child
    }
}

private final class ShapeNotes {
    var optional: Set<String> = []
    var maps: Set<String> = []
}

private struct TreeEncoder: Encoder {
    let node: EncodingNode
    let path: [String]
    let style: LuaEncoder.KeyStyle
    let notes: ShapeNotes
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.beginKeyed()
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .unkeyed = node.content {} else { node.content = .unkeyed([]) }
        return UnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }

    func name(_ key: some CodingKey) -> String {
        style == .snakeCase ? snakeCased(key.stringValue) : key.stringValue
    }

    func child(_ node: EncodingNode, _ component: String) -> TreeEncoder {
        TreeEncoder(node: node, path: component.isEmpty ? path : path + [component], style: style, notes: notes)
    }

    /// Encodes `value` into `node`, taking scalars and `LuaValue` directly.
    func encode(_ value: some Encodable, into node: EncodingNode, component: String) throws {
        if let scalar = try scalarValue(value) {
            node.content = .scalar(scalar)
        } else if let map = value as? any StringKeyedMap {
            // A map's keys are data (labels, headers, tags), never renamed.
            notes.maps.insert((component.isEmpty ? path : path + [component]).joined(separator: "."))
            node.beginKeyed()
            try map.encodeEntries { key, entry in try encode(entry, into: node.keyedChild(key), component: "{}") }
        } else {
            try value.encode(to: child(node, component))
        }
    }
}

/// Scalars the encoder writes itself, so numbers keep their Lua subtype. One protocol check
/// instead of a cast per type: results cross the bridge on every call.
private func scalarValue(_ value: some Encodable) throws -> LuaValue? {
    guard let scalar = value as? any LuaScalar else { return nil }
    return try scalar.luaValue()
}

/// A value that is one Lua value by itself.
private protocol LuaScalar {
    func luaValue() throws -> LuaValue
}

extension LuaValue: LuaScalar { func luaValue() -> LuaValue { self } }
extension String: LuaScalar { func luaValue() -> LuaValue { .string(self) } }
extension Bool: LuaScalar { func luaValue() -> LuaValue { .boolean(self) } }
extension Double: LuaScalar { func luaValue() -> LuaValue { .number(self) } }
extension Float: LuaScalar { func luaValue() -> LuaValue { .number(Double(self)) } }
extension Int: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension Int8: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension Int16: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension Int32: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension Int64: LuaScalar { func luaValue() -> LuaValue { .integer(self) } }
extension UInt8: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension UInt16: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension UInt32: LuaScalar { func luaValue() -> LuaValue { .integer(Int64(self)) } }
extension UInt: LuaScalar { func luaValue() throws -> LuaValue { try UInt64(self).luaValue() } }
extension UInt64: LuaScalar {
    func luaValue() throws -> LuaValue {
        guard let exact = Int64(exactly: self) else { throw LuaHostError("the integer \(self) is beyond Lua's 64-bit integers") }
        return .integer(exact)
    }
}
/// nil leaves a key out of a table, and is nil as a whole result.
extension Optional: LuaScalar where Wrapped: LuaScalar {
    func luaValue() throws -> LuaValue { try self?.luaValue() ?? .nil }
}

/// `latencyMs` → `latency_ms`, `requestID` → `request_id`, `http2` → `http2`.
func snakeCased(_ name: String) -> String {
    var result = ""
    let characters = Array(name)
    for (index, character) in characters.enumerated() {
        if character.isUppercase {
            let previous = index > 0 ? characters[index - 1] : nil
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            let startsWord = previous.map { $0.isLowercase || $0.isNumber } ?? false
            let endsAcronym = (previous?.isUppercase ?? false) && (next?.isLowercase ?? false)
            if index > 0, startsWord || endsAcronym { result.append("_") }
            result.append(contentsOf: character.lowercased())
        } else {
            result.append(character)
        }
    }
    return result
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { [] }

    func slot(_ key: Key) -> (EncodingNode, String) {
        let name = encoder.name(key)
        return (encoder.node.keyedChild(name), name)
    }

    mutating func encodeNil(forKey key: Key) throws { _ = slot(key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let (node, name) = slot(key)
        try encoder.encode(value, into: node, component: name)
    }

    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        let name = encoder.name(key)
        encoder.notes.optional.insert((encoder.path + [name]).joined(separator: "."))
        guard let value else { return }
        try encode(value, forKey: key)
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        try encodeIfPresent(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let (node, name) = slot(key)
        return encoder.child(node, name).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let (node, name) = slot(key)
        return encoder.child(node, name).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let (node, name) = slot(key)
        return encoder.child(node, name)
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { [] }
    var count: Int {
        if case .unkeyed(let items) = encoder.node.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { _ = encoder.node.appendChild() }

    mutating func encode<T: Encodable>(_ value: T) throws {
        // Every element of a list has the same shape: document it under `[]`.
        try encoder.encode(value, into: encoder.node.appendChild(), component: "[]")
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.child(encoder.node.appendChild(), "[]").container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        encoder.child(encoder.node.appendChild(), "[]").unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder.child(encoder.node.appendChild(), "[]") }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { encoder.node.content = .scalar(.nil) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.encode(value, into: encoder.node, component: "")
    }
}

/// A dictionary with string keys, whose keys the encoder keeps as they are.
private protocol StringKeyedMap {
    func encodeEntries(_ body: (String, any Encodable) throws -> Void) rethrows
}

extension Dictionary: StringKeyedMap where Key == String, Value: Encodable {
    fileprivate func encodeEntries(_ body: (String, any Encodable) throws -> Void) rethrows {
        for (key, value) in self { try body(key, value) }
    }
}

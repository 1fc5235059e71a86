public import LuaKit

/// A result the docs can describe from one example value: a Swift `Encodable` type that
/// also says what a typical value looks like.
///
/// The reference and the editor annotations encode ``example`` with the same
/// ``LuaEncoder`` that encodes real results, so the documented fields cannot drift from
/// the ones runbooks get. Fields the type encodes only when present are marked optional.
public protocol LuaRecord: Encodable, Sendable {
    /// The name of the shape in editor annotations (`probe.TCPResult`).
    static var recordName: String { get }
    /// A value with every optional field set, so every field is documented.
    static var example: Self { get }
}

/// What a module function returns, as the reference and the annotations show it.
public indirect enum ResultShape: Sendable {
    /// No value.
    case none
    /// A boolean.
    case boolean
    /// An integer.
    case integer
    /// A number.
    case number
    /// A string.
    case string
    /// Any value.
    case any
    /// A table whose shape belongs to someone else (an AWS answer), with a note on where it is documented.
    case table(String)
    /// A list of values of one shape.
    case list(ResultShape)
    /// A value or nil.
    case optional(ResultShape)
    /// Several values, as Lua returns them.
    case values([ResultShape])
    /// A table with named fields, described by a ``LuaRecord`` type.
    case record(RecordShape)

    /// The shape of a ``LuaRecord`` type, encoded in `keys` style.
    public static func record<Record: LuaRecord>(_ type: Record.Type, keys: LuaEncoder.KeyStyle = .snakeCase) -> ResultShape {
        .record(RecordShape(name: Record.recordName, encode: { try LuaEncoder(keys: keys).encodeDescribing(Record.example) }))
    }
}

/// A record's name and how to get its example, kept lazy so declaring a module encodes nothing.
public struct RecordShape: Sendable {
    /// The name in annotations.
    public let name: String
    let encode: @Sendable () throws -> LuaEncoder.Described

    /// The example with its notes; an example that fails to encode is a bug in the
    /// declaration, shown as an empty record rather than a crash.
    var example: LuaEncoder.Described? { try? encode() }
}

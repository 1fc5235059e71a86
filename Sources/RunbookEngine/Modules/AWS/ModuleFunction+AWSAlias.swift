import AWSKit
import LuaKit

extension ModuleFunction {
    /// An operation of a generated AWS client under a module of its own: `kafka.describe_cluster(arn)`
    /// is `aws.kafka.describe_cluster{ ClusterArn = arn }`. The declared positional and snake_case
    /// arguments become the operation's input members (``AWSAliasInput``), and from there the call
    /// is the `aws` module's own (``AWSModelCall``): the same request, dry-run class, journal and answer.
    ///
    /// The declaration names the model's operation and the Lua name is boto3's for it, because
    /// boto3's names cannot be turned back into the model's; the model loads at the first call.
    ///
    /// - Parameters:
    ///   - operation: the model's operation (`DescribeCluster`); the function is `describe_cluster`.
    ///   - client: the model (`kafka`).
    ///   - parameters: the arguments. An option table's fields and a `.table` argument's keys are
    ///     members as much as the arguments themselves are.
    ///   - renames: snake_case names that are not boto3's name of their member
    ///     (`name_filter` → `ClusterNameFilter`), used wherever the shape has that member.
    ///   - planned: what a dry run of a mutate returns besides `planned = true` and `request`.
    static func aws(
        _ operation: String, client: String, parameters: [Parameter], renames: [String: String] = [:], doc: String,
        example: String, planned: @escaping @Sendable (Arguments) -> LuaValue = { _ in [:] }
    ) -> ModuleFunction {
        ModuleFunction(
            name: BotocoreName.method(for: operation), effect: Effect(AWSOperationClass.of(service: client, operation: operation)),
            parameters: parameters, variadic: false,
            returns: .table("the \(operation) answer, with the wire member names of the AWS API reference"),
            doc: doc, example: example, operation: operation, body: .dispatch { arguments, services in
                let model = try AWSServiceModel.load(client)
                let input = try AWSAliasInput(model: model, renames: renames)
                    .members(of: AWSAliasInput.given(arguments, parameters), operation: operation)
                return try AWSModelCall.prepare(operation, of: model, input: input, answerLimit: arguments.answerLimit,
                                                planned: planned(arguments), services: services)
            })
    }
}

/// An alias's snake_case arguments as the operation's input members, walking the input shape:
/// at each structure a key is the member of that name, else its rename when the structure has
/// that member, else the member whose boto3 name it is (`alarm_name` → `AlarmName`,
/// `ok_actions` → `OKActions`). A key that fits none stays, for the input check to name.
///
/// A list of `{Name, Value}` structures (CloudWatch's `Dimensions`) may be given as a map,
/// `{["Cluster Name"] = "demo"}`, because MSK's dimension names have spaces; it becomes the list
/// sorted by name, values as text.
struct AWSAliasInput {
    let model: AWSServiceModel
    let renames: [String: String]

    /// The values an alias was called with, by argument name: each argument, the fields of its
    /// option tables and the keys of its `.table` arguments.
    static func given(_ arguments: Arguments, _ parameters: [Parameter]) -> LuaTable {
        var given = LuaTable()
        for parameter in parameters {
            switch parameter.type {
            case .options(let fields):
                for field in fields where arguments.has(field.name) { given.fields[.string(field.name)] = arguments[field.name] }
            case .table:
                let table = arguments.table(parameter.name)
                given.array += table.array
                given.fields.merge(table.fields) { _, new in new }
            default:
                if arguments.has(parameter.name) { given.fields[.string(parameter.name)] = arguments[parameter.name] }
            }
        }
        return given
    }

    /// `given` keyed by the input members of `operation`.
    func members(of given: LuaTable, operation: String) throws -> LuaTable {
        guard let input = model.operations[operation]?.input else { return given }
        return try structure(given, shape: try model.shape(input.shape))
    }

    private func structure(_ table: LuaTable, shape: AWSShape) throws -> LuaTable {
        var out = LuaTable(array: table.array)
        for (key, value) in table.fields {
            guard let name = key.stringValue, let ref = member(name, of: shape), let memberName = ref.name else {
                out.fields[key] = value
                continue
            }
            out.fields[.string(memberName)] = try convert(value, shape: try model.shape(ref.shape))
        }
        return out
    }

    private func member(_ name: String, of shape: AWSShape) -> AWSShapeRef? {
        let members = shape.members ?? []
        if let exact = members.first(where: { $0.name == name }) { return exact }
        if let renamed = renames[name], let member = members.first(where: { $0.name == renamed }) { return member }
        return members.first { $0.name.map(BotocoreName.method(for:)) == name }
    }

    private func convert(_ value: LuaValue, shape: AWSShape) throws -> LuaValue {
        guard case .table(let table) = value else { return value }
        switch shape.type {
        case .structure:
            return .table(try structure(table, shape: shape))
        case .list:
            guard let element = shape.member else { return value }
            let elementShape = try model.shape(element.shape)
            if table.array.isEmpty, Set((elementShape.members ?? []).compactMap(\.name)) == ["Name", "Value"] {
                return .table(LuaTable(array: table.fields.sorted { $0.key.description < $1.key.description }.map { key, value in
                    ["Name": key, "Value": .string(value.plainText)]
                }))
            }
            return .table(LuaTable(array: try table.array.map { try convert($0, shape: elementShape) }, fields: table.fields))
        case .map:
            guard let valueRef = shape.value else { return value }
            let valueShape = try model.shape(valueRef.shape)
            var out = LuaTable(array: table.array)
            for (key, item) in table.fields { out.fields[key] = try convert(item, shape: valueShape) }
            return .table(out)
        default:
            return value
        }
    }
}

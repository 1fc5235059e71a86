import AWSKit
@testable import RunbookEngine
import Testing

/// The `kafka` and `cloudwatch` aliases name the model's operation and take boto3's name for it
/// (`BotocoreName`), as `aws.<client>.<operation>` does: the alias and the generated function
/// must be the same operation under the same name.
struct AWSOperationNameTests {
    @Test func everyModuleOperationIsTheModelsOperationOfBoto3sName() throws {
        var checked = 0
        for module in LuaModule.standard where module.awsService != nil {
            let service = try #require(module.name)
            let model = try AWSServiceModel.load(service)
            for function in module.functions {
                guard let operation = function.operation else { continue }
                #expect(model.operations[operation] != nil, "\(service).\(function.name) calls \(operation), which the model lacks")
                #expect(BotocoreName.method(for: operation) == function.name, "\(service).\(function.name) is boto3's \(BotocoreName.method(for: operation))")
                #expect(function.effect == Effect(AWSOperationClass.of(service: service, operation: operation)))
                checked += 1
            }
        }
        #expect(checked >= 17, "the 10 MSK and 7 CloudWatch operations")
    }
}

import AWSKit
@testable import RunbookEngine
import Testing

/// The hand-written `kafka` and `cloudwatch` modules name operations by guessing PascalCase
/// from snake_case (`pascalCase`); the coming `aws.<client>.<operation>` surface names them as
/// boto3 does (`BotocoreName`). Both directions must agree, or the alias and the generated
/// function would call different operations.
struct AWSOperationNameTests {
    /// Operations whose boto3 name does not guess back: botocore lists them as special cases.
    /// No module function names them; one that does must look the operation up in the model.
    static let unguessable: Set = ["cloudwatch.GetOTelEnrichment", "cloudwatch.StartOTelEnrichment", "cloudwatch.StopOTelEnrichment"]

    @Test func everyModuleOperationIsTheModelsOperationOfBoto3sName() throws {
        var checked = 0
        for module in LuaModule.standard where module.awsService != nil {
            let service = try #require(module.name)
            let model = try AWSServiceModel.load(service)
            for function in module.functions {
                guard let operation = function.operation else { continue }
                #expect(model.operations[operation] != nil, "\(service).\(function.name) calls \(operation), which the model lacks")
                #expect(BotocoreName.method(for: operation) == function.name, "\(service).\(function.name) is boto3's \(BotocoreName.method(for: operation))")
                #expect(pascalCase(BotocoreName.method(for: operation)) == operation)
                checked += 1
            }
        }
        #expect(checked >= 17, "the 10 MSK and 7 CloudWatch operations")
    }

    @Test func pascalCaseUndoesBoto3sNameForEveryKafkaAndCloudWatchOperation() throws {
        for service in ["kafka", "cloudwatch"] {
            let model = try AWSServiceModel.load(service)
            for operation in model.operations.keys {
                let guessed = pascalCase(BotocoreName.method(for: operation))
                if Self.unguessable.contains("\(service).\(operation)") {
                    #expect(guessed != operation, "\(service).\(operation) now guesses back: take it off the list")
                } else {
                    #expect(guessed == operation, "\(service).\(operation) guesses back as \(guessed)")
                }
            }
        }
    }
}

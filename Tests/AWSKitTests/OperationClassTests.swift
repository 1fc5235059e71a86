@testable import AWSKit
import Foundation
import Testing

/// The dry-run class of every operation of every model, against the committed golden file
/// Fixtures/operation-classes.txt (one `service.Operation read|mutate` a line, sorted).
///
/// After a model or the rule changes, regenerate the file and review its diff:
///
///     UPDATE_OPERATION_CLASSES=1 swift test --skip-build --filter OperationClassTests
struct OperationClassTests {
    static let golden = (#filePath as NSString).deletingLastPathComponent + "/Fixtures/operation-classes.txt"

    static func currentClasses() throws -> String {
        var lines: [String] = []
        for service in AWSServiceModel.services {
            for (operation, kind) in try AWSServiceModel.load(service).operationClasses {
                lines.append("\(service).\(operation) \(kind.rawValue)")
            }
        }
        return lines.sorted().joined(separator: "\n") + "\n"
    }

    @Test func everyOperationHasTheClassTheGoldenFileGivesIt() throws {
        let current = try Self.currentClasses()
        if ProcessInfo.processInfo.environment["UPDATE_OPERATION_CLASSES"] == "1" {
            try current.write(toFile: Self.golden, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: Self.golden, encoding: .utf8)
        let want = Set(committed.split(separator: "\n")), got = Set(current.split(separator: "\n"))
        #expect(got.subtracting(want).sorted() == [], "not in the golden file; regenerate and review")
        #expect(want.subtracting(got).sorted() == [], "in the golden file only; regenerate and review")
        #expect(committed == current)
    }

    @Test func readsNeedAReadPrefix() {
        #expect(AWSOperationClass.of(service: "ec2", operation: "DescribeInstances") == .read)
        #expect(AWSOperationClass.of(service: "dynamodb", operation: "BatchGetItem") == .read)
        #expect(AWSOperationClass.of(service: "dynamodb", operation: "Query") == .read)
        #expect(AWSOperationClass.of(service: "s3", operation: "HeadObject") == .read)
        #expect(AWSOperationClass.of(service: "ec2", operation: "TerminateInstances") == .mutate)
        #expect(AWSOperationClass.of(service: "dynamodb", operation: "BatchWriteItem") == .mutate)
        // Default deny: a read in all but name is still a mutate.
        #expect(AWSOperationClass.of(service: "rds", operation: "DownloadDBLogFilePortion") == .mutate)
    }

    @Test func theDenyListWinsOverThePrefix() throws {
        #expect(AWSOperationClass.of(service: "sqs", operation: "ReceiveMessage") == .mutate)
        #expect(AWSOperationClass.of(service: "sts", operation: "GetSessionToken") == .mutate)
        #expect(AWSOperationClass.of(service: "ec2", operation: "GetConsoleScreenshot") == .mutate)
        #expect(AWSOperationClass.of(service: "sts", operation: "GetCallerIdentity") == .read)
        // Every entry names an operation that exists, so a renamed operation cannot slip out.
        for entry in AWSOperationClass.denied.keys {
            let parts = entry.split(separator: ".").map(String.init)
            #expect(try AWSServiceModel.load(parts[0]).operations[parts[1]] != nil, "\(entry) is not in its model")
        }
    }
}

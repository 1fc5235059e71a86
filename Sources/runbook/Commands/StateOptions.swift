import ArgumentParser
import Foundation
import RunbookEngine

/// Where the guardrails of automated runs keep their state: SQLite on this machine, or a DynamoDB
/// table that many machines share.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp("The guardrail state database (default: $XDG_STATE_HOME/runbook/state.db).", valueName: "path"))
    var path: String?

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Keep the guardrail state in a DynamoDB table instead, shared by every machine (created when missing).", valueName: "dynamodb://table"))
    var store: String?

    func validate() throws {
        if path != nil, store != nil { throw ValidationError("give --state (a SQLite file) or --store (a DynamoDB table), not both") }
        if let store, !store.hasPrefix("dynamodb://") || store.count == "dynamodb://".count {
            throw ValidationError("--store must be dynamodb://TABLE, not \(store)")
        }
    }

    /// The store, opened (and created) now; `aws` reaches DynamoDB.
    func open(aws: AWSSettings = AWSSettings(environment: ProcessInfo.processInfo.environment)) async throws -> any GuardrailStore {
        do {
            if let store {
                let opened = try DynamoDBGuardrailStore(table: String(store.dropFirst("dynamodb://".count)), aws: aws)
                try await opened.ensureTable()
                return opened
            }
            return try SQLiteGuardrailStore(path: path ?? SQLiteGuardrailStore.defaultPath(environment: ProcessInfo.processInfo.environment))
        } catch {
            throw fail(error)
        }
    }
}

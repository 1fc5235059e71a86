import AWSKit
import Foundation
import Testing

/// The JMESPath subset of waiter arguments. Each expected value below is what jmespath.py 1.1
/// (installed with botocore) gives for the same expression and document, except where a comment
/// says jmespath.py raises.
struct JMESPathTests {
    /// A document from JSON, by way of a JMESPath literal: objects become structures, as the
    /// member-keyed decoder gives them.
    func document(_ json: String) throws -> AWSValue {
        try JMESPath("`" + json + "`").search(.null)
    }

    func search(_ expression: String, _ json: String) throws -> AWSValue {
        try JMESPath(expression).search(try document(json))
    }

    /// Every acceptor argument of every committed model parses: a model update that brings a
    /// construct the evaluator lacks fails here, not in someone's wait.
    @Test func everyCommittedWaiterArgumentCompiles() throws {
        var arguments = Set<String>()
        for service in AWSServiceModel.services {
            for (name, waiter) in try AWSServiceModel.load(service).waiters {
                for acceptor in waiter.acceptors {
                    switch acceptor.matcher {
                    case .path, .pathAll, .pathAny:
                        let argument = try #require(acceptor.argument, "\(service) \(name) has a path acceptor without an argument")
                        #expect(throws: Never.self, "\(service) \(name)") { try JMESPath(argument) }
                        arguments.insert(argument)
                    case .status, .error:
                        #expect(acceptor.argument == nil, "\(service) \(name)")
                    }
                }
            }
        }
        // botocore 1.43.11's sixteen models hold 63 distinct arguments; fewer means models went missing.
        #expect(arguments.count == 63, "\(arguments.count)")
    }

    @Test func missingMembersAreNull() throws {
        #expect(try search("Table.TableStatus", "{}") == .null)
        #expect(try search("Table.TableStatus", #"{"Table": "x"}"#) == .null)
        #expect(try search("a[-1]", #"{"a": [1, 2, 3]}"#) == .integer(3))
        #expect(try search("a[5]", #"{"a": [1, 2, 3]}"#) == .null)
        #expect(try search(#""quoted key".x"#, #"{"quoted key": {"x": 1}}"#) == .integer(1))
    }

    @Test func projectionsSkipNullsAndFlattenOneLevel() throws {
        let reservations = #"""
            {"Reservations": [{"Instances": [{"State": {"Name": "pending"}}, {"State": {}}]}, {}, {"Instances": "x"},
                              {"Instances": [{"State": {"Name": "running"}}]}]}
            """#
        #expect(try search("Reservations[].Instances[].State.Name", reservations) == .list(["pending", "running"].map(AWSValue.string)))
        #expect(try search("Reservations[]", #"{"Reservations": {"a": 1}}"#) == .null)
        #expect(try search("a[]", #"{"a": [[1, [2]], 3]}"#) == .list([.integer(1), .list([.integer(2)]), .integer(3)]))
        #expect(try search("a[].b[0]", #"{"a": [{"b": [1, 2]}, {"b": [3]}, {"b": 5}]}"#) == .list([.integer(1), .integer(3)]))
        // `[0]` binds tighter than `[]`, so it applies to each flattened element.
        #expect(try search("a[][0]", #"{"a": [[1, 2], [3, 4]]}"#) == .list([]))
        // An object's values come in its member order, which a JSON literal does not fix.
        let values = try search("a.*.b", #"{"a": {"x": {"b": 1}, "y": {"c": 2}, "z": {"b": 3}}}"#).listValue ?? []
        #expect(Set(values.map(\.description)) == ["1", "3"] && values.count == 2, "\(values)")
        #expect(try search("a[*].b", #"{"a": [{"b": 1}, {"c": 2}]}"#) == .list([.integer(1)]))
    }

    @Test func comparisonsOfMixedTypes() throws {
        // jmespath.py raises Python's TypeError here; the specification says null.
        #expect(try search("a > `0`", #"{"a": "1"}"#) == .null)
        #expect(try search("a < b", #"{"a": null, "b": 1}"#) == .null)
        #expect(try search("a == `1`", #"{"a": true}"#) == .bool(false))
        #expect(try search("`1` == `1.0`", "{}") == .bool(true))
        #expect(try search("'a' < 'b'", "{}") == .bool(true))
        #expect(try search("a == b", #"{"a": {"x": 1, "y": 2}, "b": {"y": 2, "x": 1}}"#) == .bool(true))
        #expect(try search(#"`{"a": [1, true]}` == a"#, #"{"a": {"a": [1, true]}}"#) == .bool(true))
        #expect(try search("a != `[1]`", #"{"a": [1]}"#) == .bool(false))
    }

    @Test func truthinessAndLogic() throws {
        #expect(try search("!`0`", "{}") == .bool(false))
        #expect(try search("!a", #"{"a": ""}"#) == .bool(true))
        #expect(try search("a || b", #"{"a": [], "b": "x"}"#) == .string("x"))
        #expect(try search("a && b", #"{"a": "y", "b": "x"}"#) == .string("x"))
        #expect(try search("a && b", #"{"a": {}, "b": "x"}"#) == .structure([]))
        let kept = try search("a[?b]", #"{"a": [{"b": 0}, {"b": false}, {"b": ""}, {"b": "x"}]}"#)
        #expect(kept == .list([.structure([.init("b", .integer(0))]), .structure([.init("b", .string("x"))])]))
        #expect(try search(#"'it\'s'"#, "{}") == .string("it's"))
        #expect(try search("length('héllo')", "{}") == .integer(5))
    }

    @Test func theCommittedFiltersDecideAsBotocoreDoes() throws {
        let disabled = "length(KinesisDataStreamDestinations) > `0`  && length(KinesisDataStreamDestinations[?DestinationStatus == 'DISABLED' || DestinationStatus == 'ENABLE_FAILED']) ==  length(KinesisDataStreamDestinations)"
        #expect(try search(disabled, #"{"KinesisDataStreamDestinations": [{"DestinationStatus": "DISABLED"}, {"DestinationStatus": "ENABLE_FAILED"}]}"#) == .bool(true))
        #expect(try search(disabled, #"{"KinesisDataStreamDestinations": [{"DestinationStatus": "DISABLED"}, {"DestinationStatus": "ACTIVE"}]}"#) == .bool(false))
        #expect(try search(disabled, #"{"KinesisDataStreamDestinations": []}"#) == .bool(false))
        let stable = "length(services[?!(length(deployments) == `1` && runningCount == desiredCount)]) == `0`"
        #expect(try search(stable, #"{"services": [{"deployments": [1], "runningCount": 2, "desiredCount": 2}]}"#) == .bool(true))
        #expect(try search(stable, #"{"services": [{"deployments": [1, 2], "runningCount": 2, "desiredCount": 2}]}"#) == .bool(false))
    }

    @Test func lengthOfWhatHasNoneIsAnErrorNamingTheExpression() throws {
        // jmespath.py raises its JMESPathTypeError, which ends a botocore wait too.
        #expect(throws: AWSError.invalidExpression("length(DBInstances) == `0`", reason: "length() takes a string, list or object, not null")) {
            try search("length(DBInstances) == `0`", "{}")
        }
    }

    @Test func whatTheSubsetLeavesOutIsAnErrorWhenParsed() throws {
        for expression in ["a | b", "a[0:1]", "{a: b}", "a.[b, c]", "[a, b]", "contains(a, 'x')", "&a", "a = b", "a[?b", "'open",
                           "`nope`", "\"x\"(a)", "length(a, b)", "a.", "a b", "#"] {
            #expect(throws: AWSError.self, "\(expression)") { try JMESPath(expression) }
        }
    }

    @Test func nestingIsCapped() throws {
        let parens = String(repeating: "(", count: 40) + "a" + String(repeating: ")", count: 40)
        #expect(throws: AWSError.self) { try JMESPath(parens) }
        let chain = Array(repeating: "a", count: 40).joined(separator: ".")
        #expect(throws: AWSError.self) { try JMESPath(chain) }
        #expect(throws: AWSError.self) { try JMESPath(String(repeating: "a", count: JMESPath.maximumLength + 1)) }
        #expect(throws: Never.self) { try JMESPath(Array(repeating: "a", count: 20).joined(separator: ".")) }

        var deep = AWSValue.integer(1)
        for _ in 0..<40 { deep = .list([deep]) }
        let document = AWSValue.structure([.init("a", deep), .init("b", deep)])
        #expect(throws: AWSError.self) { try JMESPath("a == b").search(document) }
        var shallow = AWSValue.integer(1)
        for _ in 0..<20 { shallow = .list([shallow]) }
        #expect(try JMESPath("a == b").search(.structure([.init("a", shallow), .init("b", shallow)])) == .bool(true))
    }
}

/// Known answers of jmespath.py for every committed waiter argument over documents shaped like
/// the waiter operation's answers, some broken on purpose (Fixtures/jmespath-cases.json, written
/// by scripts/gen-jmespath-cases).
struct JMESPathKnownAnswerTests {
    struct Cases: Decodable {
        let jmespath: String
        let cases: [Case]
    }

    struct Case: Decodable {
        let expression: String
        let document: String
        /// JSON text; nil when jmespath.py raises its type error.
        let result: String?
    }

    @Test func everyCommittedArgumentAgreesWithJMESPathPy() throws {
        let file = (#filePath as NSString).deletingLastPathComponent + "/Fixtures/jmespath-cases.json"
        let fixture = try JSONDecoder().decode(Cases.self, from: try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(fixture.jmespath == "1.1.0")
        #expect(fixture.cases.count > 600 && Set(fixture.cases.map(\.expression)).count == 63)
        var disagreements: [String] = []
        for c in fixture.cases {
            let document = try JMESPath("`" + c.document + "`").search(.null)
            let ours = Result { try JMESPath(c.expression).search(document) }
            switch (ours, c.result) {
            case (.success(let value), .some(let expected)):
                let wanted = try JMESPath("`" + expected + "`").search(.null)
                if !(try JMESPath.equal(value, wanted, in: c.expression)) {
                    disagreements.append("\(c.expression) over \(c.document): \(value), jmespath.py \(expected)")
                }
            case (.failure, .none):
                break
            case (.success(let value), .none):
                disagreements.append("\(c.expression) over \(c.document): \(value), jmespath.py raises")
            case (.failure(let error), .some(let expected)):
                disagreements.append("\(c.expression) over \(c.document): \(error), jmespath.py \(expected)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(fixture.cases.count):\n\(disagreements.prefix(10).joined(separator: "\n"))")
    }
}

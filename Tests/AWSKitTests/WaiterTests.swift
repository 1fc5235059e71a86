import AWSKit
import Foundation
import Testing

/// Waiters' acceptors as botocore's `Waiter.wait` tries them (botocore/waiter.py), on outcomes
/// made by hand; AWSModuleTests runs them against moto.
struct WaiterTests {
    func waiter(_ service: String, _ name: String) throws -> AWSWaiter {
        let model = try AWSServiceModel.load(service)
        return try #require(model.waitersByName[name].flatMap { model.waiters[$0] }, "\(service) \(name)")
    }

    func instances(_ states: [String]) -> AWSWaiter.Outcome {
        let instances = states.map { AWSValue.structure([.init("State", .structure([.init("Name", .string($0))]))]) }
        return .answer(.structure([.init("Reservations", .list([.structure([.init("Instances", .list(instances))])]))]), status: 200)
    }

    @Test func waiterNamesAreBoto3s() throws {
        let ec2 = try AWSServiceModel.load("ec2")
        #expect(ec2.waitersByName["instance_running"] == "InstanceRunning")
        #expect(ec2.waitersByName.count == ec2.waiters.count)
        #expect(try AWSServiceModel.load("s3").waitersByName.keys.sorted()
            == ["bucket_exists", "bucket_not_exists", "object_exists", "object_not_exists"])
        #expect(try AWSServiceModel.load("dynamodb").waitersByName["table_not_exists"] == "TableNotExists")
        #expect(try AWSServiceModel.load("sqs").waitersByName.isEmpty)
    }

    /// `aws.<client>.wait` declares itself a read, so a dry run sends its polls; a model update
    /// that brings a waiter polling a mutate must fail here (the gate would then plan its polls).
    @Test func everyCommittedWaiterPollsARead() throws {
        for service in AWSServiceModel.services {
            for (name, waiter) in try AWSServiceModel.load(service).waiters {
                #expect(AWSOperationClass.of(service: service, operation: waiter.operation) == .read, "\(service) \(name)")
            }
        }
    }

    @Test func instanceRunningSucceedsWhenEveryInstanceRunsAndFailsOnTerminated() throws {
        let running = try waiter("ec2", "instance_running")
        #expect(try running.acceptor(matching: instances(["running", "running"]))?.state == .success)
        #expect(try running.acceptor(matching: instances(["running", "pending"])) == nil)
        let terminated = try running.acceptor(matching: instances(["running", "terminated"]))
        #expect(terminated?.state == .failure)
        #expect(terminated?.explanation == #"some Reservations[].Instances[].State.Name is "terminated""#)
        // pathAll and pathAny never match an empty list.
        #expect(try running.acceptor(matching: .answer(.structure([.init("Reservations", .list([]))]), status: 200)) == nil)
        #expect(try running.acceptor(matching: .error(code: "InvalidInstanceID.NotFound", status: 400))?.state == .retry)
        #expect(try running.acceptor(matching: .error(code: "UnauthorizedOperation", status: 403)) == nil)
        #expect(running.observed(in: instances(["pending"])) == #"Reservations[].Instances[].State.Name = ["pending"]"#)
        #expect(running.observed(in: .error(code: "InvalidInstanceID.NotFound", status: 400)) == "InvalidInstanceID.NotFound (HTTP 400)")
    }

    @Test func statusMatchersSeeErrorAnswersToo() throws {
        let exists = try waiter("s3", "bucket_exists")
        #expect(try exists.acceptor(matching: .answer(.structure([]), status: 200))?.state == .success)
        #expect(try exists.acceptor(matching: .error(code: "404", status: 404))?.state == .retry)
        #expect(try exists.acceptor(matching: .error(code: "403", status: 403))?.state == .success)
        #expect(try exists.acceptor(matching: .error(code: "400", status: 400)) == nil)
        let gone = try waiter("s3", "bucket_not_exists")
        #expect(try gone.acceptor(matching: .error(code: "404", status: 404))?.state == .success)
        #expect(try gone.acceptor(matching: .answer(.structure([]), status: 200)) == nil)
        #expect(gone.observed(in: .answer(.structure([]), status: 200)) == "HTTP 200")
    }

    @Test func pathMatchersNeverMatchAnErrorAnswer() throws {
        let exists = try waiter("dynamodb", "table_exists")
        let active = AWSValue.structure([.init("Table", .structure([.init("TableStatus", .string("ACTIVE"))]))])
        #expect(try exists.acceptor(matching: .answer(active, status: 200))?.state == .success)
        #expect(try exists.acceptor(matching: .error(code: "ResourceNotFoundException", status: 400))?.state == .retry)
        let gone = try waiter("dynamodb", "table_not_exists")
        #expect(try gone.acceptor(matching: .answer(active, status: 200)) == nil)
        #expect(try gone.acceptor(matching: .error(code: "ResourceNotFoundException", status: 400))?.state == .success)
    }

    /// botocore's error matcher: `true` is any error answer, `false` any answer that is not one.
    @Test func errorMatchersWithBooleans() throws {
        let json = #"""
            {"operation": "DescribeThings", "delay": 1, "maxAttempts": 2, "acceptors": [
              {"state": "failure", "matcher": "error", "expected": true},
              {"state": "success", "matcher": "error", "expected": false}]}
            """#
        let waiter = try JSONDecoder().decode(AWSWaiter.self, from: Data(json.utf8))
        #expect(try waiter.acceptor(matching: .error(code: "Anything", status: 500))?.explanation == "any error")
        #expect(try waiter.acceptor(matching: .answer(.structure([]), status: 200))?.explanation == "no error")
    }
}

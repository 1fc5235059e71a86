import Foundation
import Testing
import TestSupport

/// Runs AWS runbooks through the binary with real-looking credentials, live, dry and
/// failing, then searches everything the runs wrote for the secret key and the token.
struct SecretsSweepTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FwoGZXIvYXdzEXAMPLESESSIONTOKENdoNotLeak"

    @Test func noJournalReportOrOutputHoldsTheSecretOrToken() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let server = try await LoopbackServer(script: "kafka_test_server.py", arguments: ["--reboot-polls", "0"])
        let port = String(server.port)
        let arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
        cli.write("runbooks/reboot.lua", """
            return runbook { name = "sweep.reboot", version = "1.0.0", description = "reboots and logs a lot",
              params = { cluster_arn = { type = "string", required = true } },
              run = function(p)
                local info = kafka.describe_cluster(p.cluster_arn).clusterInfo
                log.info("cluster", info)
                local op = kafka.reboot_broker(p.cluster_arn, { 1 })
                finding { severity = "info", summary = "rebooting", detail = op }
                kafka.wait_for_operation(op, { interval = 0.01 })
                kafka.describe_cluster("arn:aws:kafka:us-east-1:123456789012:cluster/missing/0-1")
              end }
            """)
        let environment = [
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token,
            "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_KAFKA": "http://127.0.0.1:\(port)",
        ]
        var outputs: [String] = []
        for extra in [["--dry-run", "--report", "dry.md"], ["--report", "live.md"], ["--json"]] {
            let arguments = ["run", "sweep.reboot", "--param", "cluster_arn=\(arn)"] + extra
            let output = try await cli.run(environment: environment, arguments)
            #expect(output.status == 1, "\(output.stderr)")  // the last call is a NotFound, on purpose
            outputs += [output.stdout, output.stderr]
        }
        var written: [String] = []
        let walker = FileManager.default.enumerator(atPath: cli.home)
        while let file = walker?.nextObject() as? String {
            if let text = try? String(contentsOfFile: cli.home + "/" + file, encoding: .utf8) {
                written.append(text)
            }
        }
        #expect(written.filter { $0.contains("RebootBroker") }.count >= 5)  // 3 journals, 2 reports
        for text in written + outputs {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.token))
        }
    }
}

/// `show` and `list --json` once printed a secret parameter's default.
struct SecretDefaultTests {
    @Test func showAndListNeverPrintASecretDefault() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/s.lua", """
            return runbook { name = "cli.secret", version = "1.0.0", description = "d",
              params = { token = { type = "string", secret = true, default = "default-secret-value" } },
              run = function() end }
            """)
        for arguments in [["show", "cli.secret"], ["show", "cli.secret", "--json"], ["list", "--json"]] {
            let result = try await cli.run(arguments)
            #expect(result.status == 0)
            #expect(!result.stdout.contains("default-secret-value"), "\(arguments)")
            #expect(result.stdout.contains("<redacted>"), "\(arguments)")
        }
    }
}

import AWSKit
import LuaKit
import RunbookEngine
import Testing

struct SensitiveRedactionTests {
    @Test func assumeRoleCredentialsLoseTheirSecretAndToken() throws {
        let sts = try AWSServiceModel.load("sts")
        let answer: LuaValue = [
            "Credentials": [
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "SessionToken": "FwoGZXIvYXdzEXAMPLE",
                "Expiration": 1_767_225_600,
            ],
            "AssumedRoleUser": ["Arn": "arn:aws:sts::123456789012:assumed-role/r/s", "AssumedRoleId": "AROA:s"],
            "PackedPolicySize": 6,
        ]
        let clean = sts.redactingSensitive(answer, outputOf: "AssumeRole")
        let credentials = try #require(clean["Credentials"].tableValue)
        #expect(credentials["SecretAccessKey"] == "<redacted>")
        #expect(credentials["SessionToken"] == "<redacted>")
        #expect(credentials["AccessKeyId"] == "ASIAEXAMPLE")
        #expect(credentials["Expiration"] == 1_767_225_600)
        #expect(clean["AssumedRoleUser"] == answer["AssumedRoleUser"])
        #expect(clean["PackedPolicySize"] == 6)
    }

    @Test func secureStringValuesAreRedactedInObjectsAndLists() throws {
        let ssm = try AWSServiceModel.load("ssm")
        let one: LuaValue = ["Parameter": ["Name": "/db/password", "Type": "SecureString", "Value": "hunter2", "Version": 3]]
        let clean = ssm.redactingSensitive(one, outputOf: "GetParameter")
        #expect(clean["Parameter"]["Value"] == "<redacted>")
        #expect(clean["Parameter"]["Name"] == "/db/password")

        let many: LuaValue = [
            "Parameters": [["Name": "/a", "Value": "s1"], ["Name": "/b", "Value": "s2"]],
            "InvalidParameters": ["/c"],
        ]
        let cleanMany = ssm.redactingSensitive(many, outputOf: "GetParameters")
        #expect(cleanMany["Parameters"][1]["Value"] == "<redacted>")
        #expect(cleanMany["Parameters"][2]["Value"] == "<redacted>")
        #expect(cleanMany["Parameters"][2]["Name"] == "/b")
        #expect(cleanMany["InvalidParameters"] == ["/c"])
    }

    @Test func answersWithoutSensitiveMembersAreUnchanged() throws {
        let sts = try AWSServiceModel.load("sts")
        let identity: LuaValue = ["Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/x", "UserId": "AIDA"]
        #expect(sts.redactingSensitive(identity, outputOf: "GetCallerIdentity") == identity)
        #expect(sts.redactingSensitive("not a table", outputOf: "AssumeRole") == "not a table")
        #expect(sts.redactingSensitive(identity, outputOf: "NoSuchOperation") == identity)
    }

    @Test func operationClassesBecomeEffects() {
        #expect(Effect(AWSOperationClass.of(service: "ec2", operation: "DescribeVpcs")) == .read)
        #expect(Effect(AWSOperationClass.of(service: "sqs", operation: "ReceiveMessage")) == .mutate)
    }
}

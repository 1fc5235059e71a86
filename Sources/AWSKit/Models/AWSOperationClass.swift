/// Whether an AWS operation only reads, which decides whether a dry run sends it.
///
/// The rule, default deny (issue 9): an operation is a ``read`` only if its name starts with one
/// of ``readPrefixes`` and it is not on ``denied``. Everything else is a ``mutate``. A golden file
/// (Tests/AWSKitTests/Fixtures/operation-classes.txt) lists the class of every operation of every
/// model, so a reviewer sees each change of class in a diff.
public enum AWSOperationClass: String, Sendable, CaseIterable {
    /// Reads state: sent live in a dry run.
    case read
    /// May change something: a dry run records it and sends nothing.
    case mutate

    /// The name prefixes of reads.
    public static let readPrefixes = ["Describe", "List", "Get", "Head", "BatchGet", "Query", "Scan", "Search", "Lookup"]

    /// Operations that are never reads whatever their name, as `service.Operation`, each with why.
    ///
    /// Reviewed for botocore 1.43.11 against the 725 operations of the sixteen services whose
    /// names start with a read prefix: their documentation's first sentence, their input members
    /// (idempotency tokens, wake, reset, visibility) and, for rest protocols, any method other
    /// than GET or HEAD (only Route 53 ListTagsForResources, a POST that reads). Looked at and
    /// kept as reads: SSM GetParameter(s) with decryption (decrypts, changes nothing), EC2
    /// GetPasswordData, Lambda GetDurableExecutionState, DynamoDB Query and Scan (spend read
    /// capacity only), S3 GetObject.
    public static let denied: [String: String] = [
        "sqs.ReceiveMessage": "hides the messages it returns for the visibility timeout and counts a receive",
        "sts.GetSessionToken": "issues new temporary credentials, as AssumeRole (a mutate) does",
        "sts.GetFederationToken": "issues new temporary credentials for a federated user",
        "sts.GetDelegatedAccessToken": "trades a delegation token for new credentials",
        "sts.GetWebIdentityToken": "issues a signed web identity token for outside services",
        "ec2.GetConsoleScreenshot": "with WakeUp it sends keystroke input that wakes the instance",
        "ssm.GetDeployablePatchSnapshotForInstance":
            "AWS-RunPatchBaseline's call: records a patch snapshot under the caller's SnapshotId",
    ]

    /// The class of `operation` of `service` by the rule.
    ///
    /// - Parameters:
    ///   - service: botocore's service name (`"sqs"`).
    ///   - operation: the operation's model name (`"ReceiveMessage"`).
    public static func of(service: String, operation: String) -> AWSOperationClass {
        if denied["\(service).\(operation)"] != nil { return .mutate }
        return readPrefixes.contains { operation.hasPrefix($0) } ? .read : .mutate
    }
}

extension AWSServiceModel {
    /// The class of every operation of this service, by the rule of ``AWSOperationClass``.
    public var operationClasses: [String: AWSOperationClass] {
        operations.keys.reduce(into: [:]) { $0[$1] = AWSOperationClass.of(service: service, operation: $1) }
    }
}

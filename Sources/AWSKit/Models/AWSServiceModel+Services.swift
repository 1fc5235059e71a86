extension AWSServiceModel {
    /// The services AWSKit carries a model for, by botocore's name.
    ///
    /// Adding a service: add it to `SERVICES` in scripts/gen-aws-models, run the script, add a
    /// line here, and regenerate the golden file of operation classes
    /// (Tests/AWSKitTests/OperationClassTests.swift says how). A test checks this list against
    /// the models compiled in.
    public static let services: [String] = [
        "kafka",
        "cloudwatch",
        "logs",
        "ec2",
        "sns",
        "sqs",
        "dynamodb",
        "s3",
        "sts",
        "ssm",
        "autoscaling",
        "elbv2",
        "ecs",
        "lambda",
        "rds",
        "route53",
    ]
}

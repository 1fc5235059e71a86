import Foundation

/// Payloads written from AWS's documented examples (the EventBridge CloudWatch user guide, the
/// aws-lambda-go SNS fixtures) and Alertmanager's webhook.
public enum AlarmPayloads {
    public static let metricAlarm = #"""
        {"version":"0","id":"c4c1c1c9-6542-e61b-6ef0-8c4d36933a92","detail-type":"CloudWatch Alarm State Change",
         "source":"aws.cloudwatch","account":"123456789012","time":"2019-10-02T17:04:40Z","region":"us-east-1",
         "resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:demo-HighCPU"],
         "detail":{"alarmName":"demo-HighCPU",
          "configuration":{"description":"Broker CPU too high","metrics":[{"id":"30b6c6b2-a864-43a2-4877-c09a1afc3b87",
            "metricStat":{"metric":{"dimensions":{"Cluster Name":"demo","Broker ID":"2"},"name":"CpuUser","namespace":"AWS/Kafka"},
            "period":300,"stat":"Average"},"returnData":true}]},
          "previousState":{"reason":"Threshold Crossed","reasonData":"{\"version\":\"1.0\"}","timestamp":"2019-10-01T13:56:40.987+0000","value":"OK"},
          "state":{"reason":"Threshold Crossed: 1 out of the last 1 datapoints [99.50160229693434 (02/10/19 16:59:00)] was greater than the threshold (50.0).",
           "reasonData":"{\"version\":\"1.0\",\"queryDate\":\"2019-10-02T17:04:40.985+0000\",\"startDate\":\"2019-10-02T16:59:00.000+0000\",\"statistic\":\"Average\",\"period\":300,\"recentDatapoints\":[70.2,99.50160229693434],\"threshold\":50.0}",
           "timestamp":"2019-10-02T17:04:40.989+0000","value":"ALARM"}}}
        """#

    public static let metricMathAlarm = #"""
        {"version":"0","id":"2dde0eb1-528b-d2d5-9ca6-6d590caf2329","detail-type":"CloudWatch Alarm State Change",
         "source":"aws.cloudwatch","account":"123456789012","time":"2019-10-02T17:20:48Z","region":"us-east-1",
         "resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:demo-DiskUsed"],
         "detail":{"alarmName":"demo-DiskUsed","configuration":{"metrics":[
           {"expression":"MAX([m1,m2])","id":"e1","label":"Fullest broker","returnData":true},
           {"id":"m1","metricStat":{"metric":{"dimensions":{"Cluster Name":"demo","Broker ID":"1"},"name":"KafkaDataLogsDiskUsed","namespace":"AWS/Kafka"},"period":60,"stat":"Maximum"},"returnData":false},
           {"id":"m2","metricStat":{"metric":{"dimensions":{"Cluster Name":"demo","Broker ID":"2"},"name":"KafkaDataLogsDiskUsed","namespace":"AWS/Kafka"},"period":60,"stat":"Maximum"},"returnData":false}]},
          "previousState":{"reason":"ok","timestamp":"2019-10-02T17:19:48.000+0000","value":"OK"},
          "state":{"reason":"Threshold Crossed","reasonData":"{\"version\":\"1.0\",\"recentDatapoints\":[85],\"threshold\":80}",
           "timestamp":"2019-10-02T17:20:48.554+0000","value":"ALARM"}}}
        """#

    public static let compositeAlarm = #"""
        {"version":"0","id":"d3dfc86d-384d-24c8-0345-9f7986db0b80","detail-type":"CloudWatch Alarm State Change",
         "source":"aws.cloudwatch","account":"123456789012","time":"2022-07-22T15:57:45Z","region":"us-east-1",
         "resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServiceAggregatedAlarm"],
         "detail":{"alarmName":"ServiceAggregatedAlarm","state":{"actionsSuppressedBy":"WaitPeriod","value":"ALARM",
           "reason":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:SuppressionDemo.EventBridge.FirstChild transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC",
           "reasonData":"{\"triggeringAlarms\":[{\"arn\":\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh\",\"state\":{\"value\":\"ALARM\",\"timestamp\":\"2022-07-22T15:57:45.394+0000\"}}]}",
           "timestamp":"2022-07-22T15:57:45.394+0000"},
          "previousState":{"value":"OK","timestamp":"2022-07-22T15:56:14.552+0000"},
          "configuration":{"alarmRule":"ALARM(ServerCpuTooHigh) OR ALARM(TotalNetworkTrafficTooHigh)",
           "actionsSuppressor":"ServiceMaintenanceAlarm","actionsSuppressorWaitPeriod":120,"actionsSuppressorExtensionPeriod":180}}}
        """#

    public static let snsMessage = #"""
        {"AlarmName":"demo-HighCPU","AlarmDescription":null,"AWSAccountId":"123456789012","NewStateValue":"ALARM",
         "NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0).",
         "StateChangeTime":"2015-06-03T17:43:27.123+0000","Region":"US East (N. Virginia)",
         "AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:demo-HighCPU","OldStateValue":"INSUFFICIENT_DATA",
         "Trigger":{"MetricName":"CpuUser","Namespace":"AWS/Kafka","StatisticType":"Statistic","Statistic":"AVERAGE","Unit":null,
          "Dimensions":[{"value":"demo","name":"Cluster Name"},{"value":"2","name":"Broker ID"}],"Period":60,"EvaluationPeriods":1,
          "ComparisonOperator":"GreaterThanThreshold","Threshold":0.0,"TreatMissingData":"- TreatMissingData:                    missing",
          "EvaluateLowSampleCountPercentile":""}}
        """#

    public static func snsEnvelope(_ message: String) -> String {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return """
            {"Type":"Notification","MessageId":"b8e1a2f6-4c8a-5d2b-9b0e-6f0e1c2d3a4b",
             "TopicArn":"arn:aws:sns:us-east-1:123456789012:alarms","Subject":"ALARM: \\"demo-HighCPU\\" in US East (N. Virginia)",
             "Message":"\(escaped)","Timestamp":"2015-06-03T17:43:27.200Z","SignatureVersion":"1","Signature":"EXAMPLE==",
             "SigningCertURL":"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
             "UnsubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}
            """
    }

    public static let alertmanagerGroup = #"""
        {"receiver":"runbook","status":"firing","alerts":[
          {"status":"firing","labels":{"alertname":"KafkaBrokerDown","cluster":"demo","severity":"critical"},
           "annotations":{"summary":"Broker 3 of demo is down"},"startsAt":"2023-02-06T13:08:45.828Z","endsAt":"0001-01-01T00:00:00Z",
           "generatorURL":"http://prometheus.example.org:9090/graph?g0.expr=up+%3D%3D+0\u0026g0.tab=1","fingerprint":"1a30ba71cca2921f"},
          {"status":"resolved","labels":{"alertname":"KafkaBrokerDown","cluster":"prod","severity":"critical"},
           "annotations":{},"startsAt":"2023-02-06T12:00:00.000Z","endsAt":"2023-02-06T13:00:00.000Z",
           "generatorURL":"http://prometheus.example.org:9090/graph","fingerprint":"77c0e2b8a1f0d3e4"}],
         "groupLabels":{"alertname":"KafkaBrokerDown"},"commonLabels":{"alertname":"KafkaBrokerDown","severity":"critical"},
         "commonAnnotations":{},"externalURL":"http://alertmanager.example.org:9093","version":"4",
         "groupKey":"{}:{alertname=\"KafkaBrokerDown\"}","truncatedAlerts":0}
        """#
}

/// The names boto3 gives an AWS model's operations: `DescribeSecurityGroups` is
/// `client.describe_security_groups`, `ListObjectsV2` is `list_objects_v2`.
///
/// boto3 builds each client method's name with botocore's `xform_name`, and runbooks call
/// `aws.<client>.<operation>{...}` by the same names, so a snippet from boto3 reads the same
/// here. This is a port of that function as of botocore 1.43.11, special cases included; a test
/// compares it with botocore itself for every operation of every embedded model.
///
/// ```swift
/// BotocoreName.method(for: "DescribeDBInstances")  // "describe_db_instances"
/// BotocoreName.method(for: "ListWebACLs")          // "list_web_acls"
/// ```
public enum BotocoreName {
    /// boto3's client method name for model operation `operation`: botocore's `xform_name`.
    ///
    /// The steps, in botocore's order: a name that holds `_` already is returned as it is; a
    /// name botocore lists as a special case takes its listed form; a pluralised acronym at the
    /// end (`ACLs`, `ARNs`) becomes `_acls`; then `_` goes in before each capitalised word
    /// (`(.)([A-Z][a-z]+)`) and between a lower-case letter or digit and a capital
    /// (`([a-z0-9])([A-Z])`), and the whole is lower-cased.
    public static func method(for operation: String) -> String {
        if operation.contains("_") { return operation }
        if let special = specialCases[operation] { return special }
        var name = Array(operation.unicodeScalars)
        // `[A-Z]{2,}s$`: the run of capitals before a final `s`, when at least two long.
        if name.last == "s" {
            var start = name.count - 1
            while start > 0, isUpper(name[start - 1]) { start -= 1 }
            if name.count - 1 - start >= 2 {
                name = Array(name[..<start]) + ["_"] + Array(String(String.UnicodeScalarView(name[start...])).lowercased().unicodeScalars)
            }
        }
        let words = splitBeforeCapitalisedWords(name)
        let humps = splitAtHumps(words)
        return String(String.UnicodeScalarView(humps)).lowercased()
    }

    /// botocore's `_xform_cache` as it ships: names its rules would split wrongly (`iSCSI`,
    /// `PartiQL`, `WhatsApp`, `OTel`), with the `_` forms.
    static let specialCases: [String: String] = [
        "AssociateWhatsAppBusinessAccount": "associate_whatsapp_business_account",
        "CreateCachediSCSIVolume": "create_cached_iscsi_volume",
        "CreateStorediSCSIVolume": "create_stored_iscsi_volume",
        "CreateWhatsAppMessageTemplate": "create_whatsapp_message_template",
        "CreateWhatsAppMessageTemplateFromLibrary": "create_whatsapp_message_template_from_library",
        "CreateWhatsAppMessageTemplateMedia": "create_whatsapp_message_template_media",
        "DeleteWhatsAppMessageMedia": "delete_whatsapp_message_media",
        "DeleteWhatsAppMessageTemplate": "delete_whatsapp_message_template",
        "DescribeCachediSCSIVolumes": "describe_cached_iscsi_volumes",
        "DescribeStorediSCSIVolumes": "describe_stored_iscsi_volumes",
        "DisassociateWhatsAppBusinessAccount": "disassociate_whatsapp_business_account",
        "ExecutePartiQLBatch": "execute_partiql_batch",
        "ExecutePartiQLStatement": "execute_partiql_statement",
        "ExecutePartiQLTransaction": "execute_partiql_transaction",
        "GetLinkedWhatsAppBusinessAccount": "get_linked_whatsapp_business_account",
        "GetLinkedWhatsAppBusinessAccountPhoneNumber": "get_linked_whatsapp_business_account_phone_number",
        "GetOTelEnrichment": "get_otel_enrichment",
        "GetWhatsAppMessageMedia": "get_whatsapp_message_media",
        "GetWhatsAppMessageTemplate": "get_whatsapp_message_template",
        "ListHITsForQualificationType": "list_hits_for_qualification_type",
        "ListLinkedWhatsAppBusinessAccounts": "list_linked_whatsapp_business_accounts",
        "ListWhatsAppMessageTemplates": "list_whatsapp_message_templates",
        "ListWhatsAppTemplateLibrary": "list_whatsapp_template_library",
        "PostWhatsAppMessageMedia": "post_whatsapp_message_media",
        "PutWhatsAppBusinessAccountEventDestinations": "put_whatsapp_business_account_event_destinations",
        "SendWhatsAppMessage": "send_whatsapp_message",
        "StartOTelEnrichment": "start_otel_enrichment",
        "StopOTelEnrichment": "stop_otel_enrichment",
        "UpdateWhatsAppMessageTemplate": "update_whatsapp_message_template",
    ]

    /// `re.sub('(.)([A-Z][a-z]+)', r'\1_\2', name)`: each match, leftmost first and not
    /// overlapping, gets `_` between its first character and the capitalised word.
    private static func splitBeforeCapitalisedWords(_ name: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(name.count + 8)
        var index = 0
        while index < name.count {
            // `.` is any character but a line feed.
            if name[index] != "\n", index + 2 < name.count, isUpper(name[index + 1]), isLower(name[index + 2]) {
                var end = index + 3
                while end < name.count, isLower(name[end]) { end += 1 }
                out.append(name[index])
                out.append("_")
                out.append(contentsOf: name[(index + 1)..<end])
                index = end
            } else {
                out.append(name[index])
                index += 1
            }
        }
        return out
    }

    /// `re.sub('([a-z0-9])([A-Z])', r'\1_\2', name)`.
    private static func splitAtHumps(_ name: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(name.count + 8)
        var index = 0
        while index < name.count {
            if index + 1 < name.count, isLower(name[index]) || isDigit(name[index]), isUpper(name[index + 1]) {
                out += [name[index], "_", name[index + 1]]
                index += 2
            } else {
                out.append(name[index])
                index += 1
            }
        }
        return out
    }

    // Python's `[A-Z]`, `[a-z]` and `[0-9]` in a pattern without flags: ASCII only.
    private static func isUpper(_ c: Unicode.Scalar) -> Bool { ("A"..."Z").contains(c) }
    private static func isLower(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) }
    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
}

extension AWSServiceModel {
    /// Every operation of the model by boto3's method name (`describe_security_groups` →
    /// `DescribeSecurityGroups`): what `aws.<client>.<method>` looks up.
    public var operationsByMethod: [String: String] {
        Dictionary(operations.keys.map { (BotocoreName.method(for: $0), $0) }, uniquingKeysWith: { first, _ in first })
    }
}

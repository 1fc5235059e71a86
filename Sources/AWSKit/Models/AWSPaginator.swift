/// A paginator from `paginators-1.json`: which tokens carry an operation from page to page and
/// which output members hold each page's results.
public struct AWSPaginator: Sendable, Decodable {
    /// The input members that take the previous page's output tokens (`NextToken`).
    public let inputToken: [String]
    /// The output paths that give the next page's tokens, in the order of ``inputToken``;
    /// JMESPath-like (`NextMarker || Contents[-1].Key`) for a few S3 operations.
    public let outputToken: [String]
    /// The input member that bounds a page's size (`MaxResults`).
    public let limitKey: String?
    /// The output paths of each page's results (`Reservations`), merged across pages.
    public let resultKey: [String]?
    /// An output member that says whether another page follows (`IsTruncated`).
    public let moreResults: String?
    /// Output members kept from the pages that are not results (`Prefix`).
    public let nonAggregateKeys: [String]?

    private enum CodingKeys: String, CodingKey {
        case inputToken = "input_token"
        case outputToken = "output_token"
        case limitKey = "limit_key"
        case resultKey = "result_key"
        case moreResults = "more_results"
        case nonAggregateKeys = "non_aggregate_keys"
    }
}

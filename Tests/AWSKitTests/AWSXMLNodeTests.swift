@testable import AWSKit
import Foundation
import Testing

/// AWS answers in XML through libxml2's reader (CXMLShim): the tree the decoders walk, and what a
/// hostile answer cannot make it do.
struct AWSXMLNodeTests {
    static func parse(_ text: String, limits: AWSXMLNode.Limits = .init()) throws -> AWSXMLNode {
        try AWSXMLNode.parse(Array(text.utf8), limits: limits)
    }

    /// The reason a parse failed, or nil when it did not.
    static func failure(_ text: String, limits: AWSXMLNode.Limits = .init()) -> String? {
        do {
            _ = try parse(text, limits: limits)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func namespacePrefixesAreDroppedFromElementsAndKeptOnAttributes() throws {
        let root = try Self.parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <requestId>r-1</requestId>
              <ns:Grantee xmlns:ns="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">
                <ns:ID>abc</ns:ID>
              </ns:Grantee>
            </DescribeInstancesResponse>
            """)
        #expect(root.name == "DescribeInstancesResponse")
        #expect(root.attributes["xmlns"] == "http://ec2.amazonaws.com/doc/2016-11-15/")
        #expect(root.child("requestId")?.text == "r-1")
        let grantee = try #require(root.child("Grantee"))
        #expect(grantee.attributes["xsi:type"] == "CanonicalUser")
        #expect(grantee.child("ID")?.text == "abc")
        #expect(root.find("ID")?.text == "abc")
    }

    @Test func cdataAndCharacterReferencesAreDecoded() throws {
        let root = try Self.parse("<a>x<![CDATA[<b>&amp;</b>]]> &lt;&#65;&#x42;&amp;&quot;&apos;&#x1F600;<c/>y</a>")
        #expect(root.text == "x<b>&amp;</b> <AB&\"'😀y")
        #expect(root.children.map(\.name) == ["c"])
    }

    @Test func emptyAndNestedElementsKeepTheirOrder() throws {
        let root = try Self.parse("<r><item><v>1</v></item><item/><item><v>3</v></item></r>")
        #expect(root.children("item").map { $0.child("v")?.text } == ["1", nil, "3"])
    }

    @Test func aBillionLaughsIsRefusedWithoutExpanding() throws {
        var text = #"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">"#
        for level in 1...9 {
            text += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        text += "]><lolz>&lol9;</lolz>"
        let clock = ContinuousClock()
        var reason: String?
        let elapsed = clock.measure { reason = Self.failure(text) }
        // The reader parses ahead of the DOCTYPE node, so libxml2's own guard may see the loop first.
        #expect(reason?.contains("DOCTYPE") == true || reason?.contains("entity reference loop") == true,
                "\(reason ?? "parsed")")
        #expect(elapsed < .seconds(1))
    }

    @Test func anExternalEntityIsNeverRead() async throws {
        let reason = Self.failure(#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#)
        #expect(reason?.contains("DOCTYPE") == true, "\(reason ?? "parsed")")
        #expect(reason?.contains("root:") == false)
        // The entity names a FIFO: a reader opening it would wait for a writer, and a non-blocking
        // open for writing succeeds only while someone has it open to read.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xml-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/entity"
        #expect(mkfifo(fifo, 0o600) == 0)
        let parse = Task.detached { Self.failure("<!DOCTYPE r [<!ENTITY x SYSTEM \"file://\(fifo)\">]><r>&x;</r>") }
        // The parse takes milliseconds; watching for longer also frees a reader that did open it.
        var opened = false
        for _ in 0..<100 where !opened {
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 {
                opened = true
                close(writer)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let fifoReason = await parse.value
        #expect(!opened, "libxml2 opened the external entity's file")
        #expect(fifoReason != nil)
        // Without a DOCTYPE no entity is declared, so a reference to one is an error, not a read.
        let undeclared = Self.failure("<r>&x;</r>")
        #expect(undeclared?.contains("Entity 'x' not defined") == true, "\(undeclared ?? "parsed")")
    }

    @Test func depthIsCapped() throws {
        let nested = { (depth: Int) in
            String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        }
        #expect(Self.failure(nested(128)) == nil)
        #expect(Self.failure(nested(129)) == "elements nested deeper than 128")
        // An empty element is as deep as an open one.
        #expect(Self.failure(String(repeating: "<a>", count: 128) + "<b/>" + String(repeating: "</a>", count: 128))
            == "elements nested deeper than 128")
    }

    @Test func elementsAndAttributesAreCapped() throws {
        var limits = AWSXMLNode.Limits()
        limits.nodes = 5
        #expect(Self.failure("<r><a/><b/><c x='1'/></r>", limits: limits) == nil)
        #expect(Self.failure("<r><a/><b/><c/><d/><e/></r>", limits: limits) == "more than 5 elements and attributes")
        #expect(Self.failure("<r><a/><b/><c x='1' y='2'/></r>", limits: limits) == "more than 5 elements and attributes")
    }

    @Test func textOfOneElementIsCapped() throws {
        var limits = AWSXMLNode.Limits()
        limits.text = 10
        #expect(Self.failure("<r><a>0123456789</a><b>0123456789</b></r>", limits: limits) == nil)
        // Text, CDATA and references add up, however they are split.
        #expect(Self.failure("<r><a>01234<![CDATA[56789]]>&amp;</a></r>", limits: limits) == "the text of <a> is over 10 bytes")
    }

    @Test func bodySizeIsCappedBeforeParsing() throws {
        var limits = AWSXMLNode.Limits()
        limits.bytes = 16
        #expect(Self.failure("<r>0123456789</r>", limits: limits) == "the body is over 16 bytes")
        #expect(Self.failure("") == "the body is empty")
    }

    @Test(arguments: [
        "<r>", "<r></s>", "<r/><s/>", "not xml", "<r a='1' a='2'/>", "<r>\u{1}</r>", "<r><![CDATA[x</r>",
        "<?xml version='1.0'?>", "<r>&#0;</r>", "<r attr=unquoted/>",
    ])
    func malformedXMLIsRefusedWithItsLine(text: String) throws {
        let reason = try #require(Self.failure(text), "\(text.debugDescription) parsed")
        #expect(reason.hasPrefix("line ") || reason == "the document ends inside an element", "\(reason)")
    }

    @Test func aMalformedAnswerNamesTheOperationAndTheReason() throws {
        let model = try AWSServiceModel.load("sns")
        let response = AWSResponse(status: 200, headers: [], body: Array("<ListTopicsResponse><x>".utf8), requestID: nil)
        #expect {
            try AWSModelResponse.decode(model, operation: "ListTopics", response: response)
        } throws: { error in
            "\(error)".contains("sns.ListTopics") && "\(error)".contains("the body is not XML: line 1")
        }
    }
}

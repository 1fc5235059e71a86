import Probes
import Testing

struct ConnectionStringsTests {
    private func brokerError(_ string: String, defaultPort: Int = 9092) -> String? {
        do throws(ProbeError) {
            _ = try ConnectionStrings.bootstrapBrokers(string, defaultPort: defaultPort)
            return nil
        } catch {
            return error.description
        }
    }

    private func zooKeeperError(_ string: String, defaultPort: Int = 2181) -> String? {
        do throws(ProbeError) {
            _ = try ConnectionStrings.zooKeeper(string, defaultPort: defaultPort)
            return nil
        } catch {
            return error.description
        }
    }

    // MARK: - Bootstrap brokers

    @Test func mskTlsBootstrapStringYieldsEachBrokerInOrder() throws {
        let string = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9094,"
            + "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9094,"
            + "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9094"
        #expect(try ConnectionStrings.bootstrapBrokers(string) == [
            HostPort(host: "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", port: 9094),
            HostPort(host: "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", port: 9094),
            HostPort(host: "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com", port: 9094),
        ])
    }

    @Test func whitespaceAroundEntriesIsIgnored() throws {
        #expect(try ConnectionStrings.bootstrapBrokers("  b-1.x:9098 ,\tb-2.x:9098\n") == [
            HostPort(host: "b-1.x", port: 9098),
            HostPort(host: "b-2.x", port: 9098),
        ])
    }

    @Test func entriesWithoutPortGetTheDefaultPort() throws {
        #expect(try ConnectionStrings.bootstrapBrokers("b-1.x,b-2.x:9096") == [
            HostPort(host: "b-1.x", port: 9092),
            HostPort(host: "b-2.x", port: 9096),
        ])
        #expect(try ConnectionStrings.bootstrapBrokers("b-1.x", defaultPort: 9094) == [HostPort(host: "b-1.x", port: 9094)])
    }

    @Test func bracketedIPv6AddressesParseWithAndWithoutPort() throws {
        #expect(try ConnectionStrings.bootstrapBrokers("[::1]:9092, [2001:db8::5], [fe80::1%eth0]:9094, 10.0.0.7:9094") == [
            HostPort(host: "::1", port: 9092),
            HostPort(host: "2001:db8::5", port: 9092),
            HostPort(host: "fe80::1%eth0", port: 9094),
            HostPort(host: "10.0.0.7", port: 9094),
        ])
    }

    @Test func hostPortDescriptionBracketsIPv6() {
        #expect(HostPort(host: "::1", port: 9092).description == "[::1]:9092")
        #expect(HostPort(host: "b-1.x", port: 9094).description == "b-1.x:9094")
    }

    static let invalidBrokerStrings: [(string: String, message: String)] = [
        ("", "bootstrap broker string is empty"),
        (" \t\n", "bootstrap broker string is empty"),
        ("b-1.x:9092,,b-3.x:9092", #"bootstrap broker entry 2 (""): empty entry"#),
        ("b-1.x:9092,", #"bootstrap broker entry 2 (""): empty entry"#),
        ("b-1.x:9092, :9092", #"bootstrap broker entry 2 (":9092"): empty host"#),
        ("b-1.x:0", #"bootstrap broker entry 1 ("b-1.x:0"): port 0 is outside 1-65535"#),
        ("b-1.x:9092,b-2.x:65536", #"bootstrap broker entry 2 ("b-2.x:65536"): port 65536 is outside 1-65535"#),
        ("b-1.x:99999999999999999999", #"bootstrap broker entry 1 ("b-1.x:99999999999999999999"): port 99999999999999999999 is outside 1-65535"#),
        ("b-1.x:", #"bootstrap broker entry 1 ("b-1.x:"): missing port after ':'"#),
        ("b-1.x:tls", #"bootstrap broker entry 1 ("b-1.x:tls"): port "tls" is not a number"#),
        ("b-1.x:-1", #"bootstrap broker entry 1 ("b-1.x:-1"): port "-1" is not a number"#),
        ("b-1 x:9092", #"bootstrap broker entry 1 ("b-1 x:9092"): invalid character " " in host"#),
        ("[::1:9092", #"bootstrap broker entry 1 ("[::1:9092"): missing ']' closing the IPv6 address"#),
        ("[]:9092", #"bootstrap broker entry 1 ("[]:9092"): empty host between '[' and ']'"#),
        ("[::1]9092", #"bootstrap broker entry 1 ("[::1]9092"): expected ':' and a port after ']', found "9092""#),
        ("[b-1.x]:9092", #"bootstrap broker entry 1 ("[b-1.x]:9092"): "b-1.x" in brackets is not an IPv6 address"#),
        ("::1:9092", #"bootstrap broker entry 1 ("::1:9092"): too many ':' (bracket IPv6 addresses like [::1]:9092)"#),
        ("b-1.x]:9092", #"bootstrap broker entry 1 ("b-1.x]:9092"): misplaced '[' or ']' (bracket IPv6 addresses like [::1]:9092)"#),
        ("[::1]:0", #"bootstrap broker entry 1 ("[::1]:0"): port 0 is outside 1-65535"#),
    ]

    @Test(arguments: invalidBrokerStrings)
    func invalidBrokerEntryThrowsNamingTheEntry(string: String, message: String) {
        #expect(brokerError(string) == message)
    }

    @Test func defaultPortOutOfRangeIsRejected() {
        #expect(brokerError("b-1.x", defaultPort: 0) == "argument defaultPort: 0 is outside 1-65535")
        #expect(zooKeeperError("z-1.x", defaultPort: 70000) == "argument defaultPort: 70000 is outside 1-65535")
    }

    // MARK: - ZooKeeper

    @Test func zooKeeperStringWithChrootAppliesChrootToWholeEnsemble() throws {
        let parsed = try ConnectionStrings.zooKeeper("z-1.demo.x:2181,z-2.demo.x:2181,z-3.demo.x:2181/kafka")
        #expect(parsed == ZooKeeperConnectString(
            hosts: [
                HostPort(host: "z-1.demo.x", port: 2181),
                HostPort(host: "z-2.demo.x", port: 2181),
                HostPort(host: "z-3.demo.x", port: 2181),
            ],
            chroot: "/kafka"
        ))
        #expect(parsed.description == "z-1.demo.x:2181,z-2.demo.x:2181,z-3.demo.x:2181/kafka")
    }

    @Test func zooKeeperStringWithoutChrootHasNilChrootAndDefaultPort() throws {
        #expect(try ConnectionStrings.zooKeeper(" z-1.x , z-2.x:2182 ") == ZooKeeperConnectString(
            hosts: [HostPort(host: "z-1.x", port: 2181), HostPort(host: "z-2.x", port: 2182)],
            chroot: nil
        ))
    }

    @Test func zooKeeperTlsDefaultPortCanBeSupplied() throws {
        #expect(try ConnectionStrings.zooKeeper("z-1.x,[::1]/msk/cluster-1", defaultPort: 2182) == ZooKeeperConnectString(
            hosts: [HostPort(host: "z-1.x", port: 2182), HostPort(host: "::1", port: 2182)],
            chroot: "/msk/cluster-1"
        ))
    }

    @Test func rootChrootMeansNoChroot() throws {
        #expect(try ConnectionStrings.zooKeeper("z-1.x:2181/").chroot == nil)
    }

    static let invalidZooKeeperStrings: [(string: String, message: String)] = [
        ("", "ZooKeeper connect string is empty"),
        ("z-1.x:2181/kafka,z-2.x:2181",
         #"ZooKeeper chroot "/kafka,z-2.x:2181": the chroot applies to the whole string and must follow the last host"#),
        ("/kafka", #"ZooKeeper chroot "/kafka": no hosts before the chroot"#),
        ("z-1.x:2181/kafka/", #"ZooKeeper chroot "/kafka/": must not end with '/'"#),
        ("z-1.x:2181/kafka//brokers", #"ZooKeeper chroot "/kafka//brokers": empty path segment ('//')"#),
        ("z-1.x:2181/kafka/../etc", #"ZooKeeper chroot "/kafka/../etc": relative segment ".." is not allowed"#),
        ("z-1.x:2181/ka fka", #"ZooKeeper chroot "/ka fka": invalid character " " in path"#),
        ("z-1.x:2181,z-2.x:99999/kafka", #"ZooKeeper connect entry 2 ("z-2.x:99999"): port 99999 is outside 1-65535"#),
        ("z-1.x:2181,,z-3.x:2181", #"ZooKeeper connect entry 2 (""): empty entry"#),
        ("z-1.x:2181,[::1/kafka", #"ZooKeeper connect entry 2 ("[::1"): missing ']' closing the IPv6 address"#),
    ]

    @Test(arguments: invalidZooKeeperStrings)
    func invalidZooKeeperStringThrowsNamingTheProblem(string: String, message: String) {
        #expect(zooKeeperError(string) == message)
    }
}

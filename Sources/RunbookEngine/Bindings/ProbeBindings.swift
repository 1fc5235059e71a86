import LuaKit
import Probes

/// The `probe` module: network checks, classed **probe**, so they run live in a dry run.
/// A failed check is an answer, not an error: `{ok = false, error = "connection refused"}`.
public enum ProbeModules {
    /// The default time a probe may take.
    static let defaultTimeout = 3.0

    /// `probe.tcp{host, port, timeout}` and `probe.dns(host, [timeout])`.
    public static func modules() -> [PrimitiveModule] {
        [PrimitiveModule(name: "probe", primitives: [tcp, dns])]
    }

    static let tcp = Primitive(name: "tcp", service: "probe", operation: "TCP", effect: .probe) { arguments in
        guard case .table(let options) = arguments.first ?? .nil else {
            throw LuaHostError("bad argument #1: expected a table {host =, port =, timeout =}")
        }
        let value = LuaValue.table(options)
        guard let host = value["host"].stringValue, !host.isEmpty else { throw LuaHostError("host must be a non-empty string") }
        guard let port = value["port"].intValue, (1...65535).contains(port) else {
            throw LuaHostError("port must be an integer from 1 to 65535, got \(value["port"])")
        }
        let timeout = try seconds(value["timeout"])
        return PreparedCall(request: ["host": .string(host), "port": .integer(port), "timeout": .number(timeout)],
                            target: "\(host):\(port)") { _ in
            let result = await TCPProbe.probe(host: host, port: Int(port), timeout: .milliseconds(Int64(timeout * 1000)))
            var table = LuaTable(fields: [
                "ok": .boolean(result.ok), "host": .string(host), "port": .integer(port), "latency_ms": .number(result.latencyMs),
            ])
            if let address = result.address { table.fields["address"] = .string(address) }
            if let failure = result.failure {
                table.fields["error"] = .string(failure.description)
                table.fields["reason"] = .string(reasonName(failure))
            }
            return PrimitiveResult(.table(table))
        }
    }

    static let dns = Primitive(name: "dns", service: "probe", operation: "DNS", effect: .probe) { arguments in
        guard case .string(let host) = arguments.first ?? .nil, !host.isEmpty else {
            throw LuaHostError("bad argument #1 (host): expected a non-empty string")
        }
        let timeout = try seconds(arguments.count > 1 ? arguments[1] : .nil)
        return PreparedCall(request: ["host": .string(host), "timeout": .number(timeout)], target: host) { _ in
            let result = await DNSProbe.resolve(host, timeout: .milliseconds(Int64(timeout * 1000)))
            var table = LuaTable(fields: [
                "ok": .boolean(result.ok), "host": .string(host), "latency_ms": .number(result.latencyMs),
                "addresses": .table(LuaTable(array: result.addresses.map(LuaValue.string))),
            ])
            if let failure = result.failure { table.fields["error"] = .string(failure.description) }
            return PrimitiveResult(.table(table))
        }
    }

    private static func seconds(_ value: LuaValue) throws -> Double {
        if value == .nil { return defaultTimeout }
        guard let seconds = value.doubleValue, seconds > 0, seconds <= 300 else {
            throw LuaHostError("timeout must be a number of seconds from 0 to 300, got \(value)")
        }
        return seconds
    }

    private static func reasonName(_ failure: TCPProbeFailure) -> String {
        switch failure {
        case .refused: "refused"
        case .timedOut: "timed_out"
        case .unreachable: "unreachable"
        case .nameNotResolved: "name_not_resolved"
        case .cancelled: "cancelled"
        case .other: "other"
        }
    }
}

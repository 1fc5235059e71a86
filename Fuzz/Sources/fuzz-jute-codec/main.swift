import FuzzSupport
@_spi(Fuzzing) import Probes

// ZooKeeper replies in jute come from whatever answers on the client port. The first byte picks
// the reply (even: ConnectResponse, odd: a reply header and GetChildren2Response); the other
// bytes are the reply after its length prefix. A reply must decode or throw, never trap, and what
// decodes, written again by this file's own encoder, must decode to the same values.

fuzz { bytes in
    guard let selector = bytes.first else { return }
    let reply = Array(bytes.dropFirst())
    if let length = try? FuzzEntryPoints.juteFrameLength(Array(reply.prefix(4))) {
        property(length >= 0 && length <= 4 * 1_024 * 1_024, "frame length \(length) outside 0...4 MiB")
    }
    if selector & 1 == 0 {
        guard let decoded = try? FuzzEntryPoints.juteConnectResponse(reply) else { return }
        var w = BigEndian()
        w.int32(0)
        w.int32(Int(decoded.timeOut))
        w.int64(decoded.sessionId)
        w.int32(16)
        w.bytes += [UInt8](repeating: 0, count: 16)
        let again = try? FuzzEntryPoints.juteConnectResponse(w.bytes)
        property(again?.timeOut == decoded.timeOut && again?.sessionId == decoded.sessionId,
                 "ConnectResponse changed after encoding: \(decoded) then \(String(describing: again))")
    } else {
        let decoded: (xid: Int32, zxid: Int64, err: Int32, children: [String]?)
        do {
            decoded = try FuzzEntryPoints.juteGetChildrenReply(reply)
        } catch {
            _ = "\(error)"
            return
        }
        var w = BigEndian()
        w.int32(Int(decoded.xid))
        w.int64(decoded.zxid)
        w.int32(Int(decoded.err))
        if let children = decoded.children {
            w.int32(children.count)
            for child in children {
                w.int32(child.utf8.count)
                w.bytes += Array(child.utf8)
            }
        }
        let again = try? FuzzEntryPoints.juteGetChildrenReply(w.bytes)
        property(again?.xid == decoded.xid && again?.zxid == decoded.zxid && again?.err == decoded.err
                 && again?.children == decoded.children,
                 "GetChildren2 reply changed after encoding: \(decoded) then \(String(describing: again))")
    }
}

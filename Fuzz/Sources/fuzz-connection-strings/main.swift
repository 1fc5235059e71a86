import CFuzzDriver
import Glibc
import Probes

// MSK connection strings come from AWS answers and parameters: they must parse or throw, never trap.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? ConnectionStrings.bootstrapBrokers(text)
    _ = try? ConnectionStrings.zooKeeper(text)
    return 0
})

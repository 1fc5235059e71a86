extension LuaModule {
    /// Every module runbooks get, in installation order: a module's Lua source may use the
    /// ones before it (`step` uses `log.info`; `kafka.wait_for_operation` uses `sleep`).
    ///
    /// Adding a module is one declaration and one line here.
    public static let standard: [LuaModule] = [
        .log, .json, .globals, .metrics, .msk, .probe, .zooKeeper, .kafkaWire, .kafka, .cloudWatch, .aws,
    ]
}

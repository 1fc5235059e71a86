# The runbooks the whole-process benchmarks run, written into a folder; sourced by run.sh
# and compare_revisions.sh so both measure the same files.

# DIR/trivial.lua: one step that adds two numbers.
write_trivial_runbook() {
  cat > "$1/trivial.lua" <<'LUA'
return runbook {
  name = "bench.trivial", version = "1.0.0", description = "One step that adds two numbers",
  run = function() step("add", function() return 1 + 1 end) end,
}
LUA
}

# DIR/many/rb1.lua ... rb200.lua: 200 runbooks with params and a trigger, for `list`.
write_many_runbooks() {
  mkdir -p "$1/many"
  for i in $(seq 1 200); do
    cat > "$1/many/rb$i.lua" <<LUA
return runbook {
  name = "bench.rb$i", version = "1.$i.0", description = "Generated runbook $i",
  params = { cluster = { type = "string", required = true, doc = "cluster" }, n = { type = "integer", default = $i } },
  triggers = { { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster = "dimension:Cluster Name" } } },
  run = function(p) step("s", function() return p.n end) end,
}
LUA
  done
}

# DIR/logging.lua: one step that logs a line, the cold-start benchmark's trivial run.
write_logging_runbook() {
  cat > "$1/logging.lua" <<'LUA'
return runbook {
  name = "bench.logging", version = "1.0.0", description = "One step that logs",
  run = function() step("say hello", function() log.info("hello") end) end,
}
LUA
}

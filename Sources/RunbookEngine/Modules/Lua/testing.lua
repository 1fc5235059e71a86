-- `runbook test`: busted's vocabulary, stubs and run_runbook, written in Lua because they call
-- the test's functions, which Swift may not do (the bridge rule). Driven by
-- Sources/RunbookEngine/Testing/RunbookTestRunner.swift. Runs once per test file with the file's
-- sandbox, the real globals and the runner's host functions; returns the function that loads
-- the file, runs its tests and returns their results.
local env, G, host = ...
local type, error, tostring, pairs, ipairs, select = G.type, G.error, G.tostring, G.pairs, G.ipairs, G.select
local pcall, setmetatable, getmetatable, rawequal, next = env.pcall, G.setmetatable, G.getmetatable, G.rawequal, G.next
local format, concat, sort, find, gsub, rep = G.string.format, G.table.concat, G.table.sort, G.string.find, G.string.gsub, G.string.rep
local math_type = G.math.type

-- The position `level` frames above the caller, as `file:line` (no debug library here).
local function where(level)
  local _, position = G.pcall(error, "", level + 2)
  return (gsub(position, ": $", ""))
end

-- A value as the failure message shows it: strings quoted, tables to a depth, cut at a length.
local function show(value, depth, seen)
  depth, seen = depth or 0, seen or {}
  local t = type(value)
  if t == "string" then return format("%q", value) end
  if t == "number" and math_type(value) == "float" and value == G.math.floor(value) and value > -1e15 and value < 1e15 then
    return format("%.1f", value)
  end
  if t ~= "table" then return tostring(value) end
  if seen[value] then return "<cycle>" end
  if depth >= 4 then return "{...}" end
  seen[value] = true
  local keys = {}
  for key in pairs(value) do keys[#keys + 1] = key end
  sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts, count = {}, #value
  for i = 1, count do parts[#parts + 1] = show(value[i], depth + 1, seen) end
  for _, key in ipairs(keys) do
    if not (math_type(key) == "integer" and key >= 1 and key <= count) then
      local name = (type(key) == "string" and find(key, "^[%a_][%w_]*$")) and key or ("[" .. show(key, depth + 1, seen) .. "]")
      parts[#parts + 1] = name .. " = " .. show(value[key], depth + 1, seen)
    end
    if #parts > 40 then parts[#parts + 1] = "..." break end
  end
  seen[value] = nil
  local text = "{ " .. concat(parts, ", ") .. " }"
  if #text > 2000 then text = text:sub(1, 2000) .. "...}" end
  return #parts == 0 and "{}" or text
end

-- Deep equality, as busted's `same`.
local function same(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for key, value in pairs(a) do
    if not same(value, b[key], seen) then return false end
  end
  for key in pairs(b) do
    if a[key] == nil then return false end
  end
  return true
end

-- An assertion's failure: a table the runner reads, raised at the test line that asserted.
local failure_mt = {}
local function fail(assertion, message, expected, actual, has_values)
  local failure = setmetatable({ assertion = assertion, message = message, location = where(3) }, failure_mt)
  if has_values then failure.expected, failure.actual = show(expected), show(actual) end
  error(failure, 0)
end

-- Error text without the `file:line: ` Lua puts in front, as busted compares it.
local function bare(err)
  if type(err) ~= "string" then return err end
  return (gsub(err, "^[^\n]-:%d+: ", "", 1))
end

local function check_function(name, index, value)
  if type(value) ~= "function" then error(format("%s: bad argument #%d: expected a function, got %s", name, index, type(value)), 3) end
end

local function check_string(name, index, value)
  if type(value) ~= "string" then error(format("%s: bad argument #%d: expected a string, got %s", name, index, type(value)), 3) end
end

-- assert.* ------------------------------------------------------------------------------------

local assert = {}
local positive, negative = {}, {}

function positive.equal(expected, actual, message)
  if expected ~= actual then fail("assert.are.equal", message or "values differ", expected, actual, true) end
end
function positive.same(expected, actual, message)
  if not same(expected, actual) then fail("assert.are.same", message or "values differ", expected, actual, true) end
end
function negative.equal(unexpected, actual, message)
  if unexpected == actual then fail("assert.are_not.equal", message or "values are equal", unexpected, actual, true) end
end
function negative.same(unexpected, actual, message)
  if same(unexpected, actual) then fail("assert.are_not.same", message or "values are the same", unexpected, actual, true) end
end
positive.equals, negative.equals = positive.equal, negative.equal

assert.are, assert.is, assert.are_not, assert.is_not = positive, positive, negative, negative
assert.equal, assert.equals, assert.same = positive.equal, positive.equal, positive.same
assert.are_equal, assert.are_same, assert.are_not_equal, assert.are_not_same = positive.equal, positive.same, negative.equal, negative.same

local function is(name, test, wanted)
  assert[name] = function(actual, message)
    if not test(actual) then fail("assert." .. name, message or ("expected " .. tostring(wanted)), wanted, actual, true) end
  end
end
is("is_true", function(v) return v == true end, true)
is("is_false", function(v) return v == false end, false)
is("is_nil", function(v) return v == nil end, nil)
assert.is_not_nil = function(actual, message)
  if actual == nil then fail("assert.is_not_nil", message or "expected a value, got nil") end
end
assert.truthy = function(actual, message)
  if not actual then fail("assert.truthy", message or "expected a truthy value", true, actual, true) end
end
assert.falsy = function(actual, message)
  if actual then fail("assert.falsy", message or "expected nil or false", false, actual, true) end
end

function assert.matches(pattern, actual, message)
  check_string("assert.matches", 1, pattern)
  if type(actual) ~= "string" or not find(actual, pattern) then
    fail("assert.matches", message or ("expected a string matching " .. show(pattern)), pattern, actual, true)
  end
end

-- has_error(fn, [expected]): a string error is compared without its `file:line: `; a table
-- error with `same`.
function assert.has_error(fn, expected, message)
  check_function("assert.has_error", 1, fn)
  local ok, err = pcall(fn)
  if ok then fail("assert.has_error", message or "expected an error, got none", expected, nil, expected ~= nil) end
  if getmetatable(err) == failure_mt then error(err, 0) end
  if expected ~= nil and not same(expected, bare(err)) then
    fail("assert.has_error", message or "a different error", expected, bare(err), true)
  end
end
assert.has_errors, assert.error = assert.has_error, assert.has_error

function assert.has_no_error(fn, message)
  check_function("assert.has_no_error", 1, fn)
  local ok, err = pcall(fn)
  if not ok then
    if getmetatable(err) == failure_mt then error(err, 0) end
    fail("assert.has_no_error", message or "expected no error", nil, err, true)
  end
end
assert.has_no_errors = assert.has_no_error
assert.has_no = { error = assert.has_no_error, errors = assert.has_no_error }

setmetatable(assert, { __call = function(_, value, message, ...)
  if not value then fail("assert", message or "assertion failed!") end
  return value, message, ...
end })
env.assert = assert

-- describe / it / before_each / after_each ---------------------------------------------------

local tests = {}
local block = { path = {}, before = {}, after = {} }
local collecting = true

local function nested(parent, name)
  local path = {}
  for i, part in ipairs(parent.path) do path[i] = part end
  path[#path + 1] = name
  return { path = path, parent = parent, before = {}, after = {} }
end

function env.describe(name, fn)
  check_string("describe", 1, name)
  check_function("describe", 2, fn)
  if not collecting then error("describe: call it at a test file's top level or inside another describe", 2) end
  local parent = block
  block = nested(parent, name)
  local ok, err = G.pcall(fn)
  block = parent
  if not ok then error(err, 0) end
end

function env.it(name, fn)
  check_string("it", 1, name)
  check_function("it", 2, fn)
  if not collecting then error("it: call it at a test file's top level or inside a describe", 2) end
  local path = {}
  for i, part in ipairs(block.path) do path[i] = part end
  path[#path + 1] = name
  tests[#tests + 1] = { name = concat(path, " › "), fn = fn, block = block, location = where(2) }
end

function env.before_each(fn)
  check_function("before_each", 1, fn)
  block.before[#block.before + 1] = fn
end

function env.after_each(fn)
  check_function("after_each", 1, fn)
  block.after[#block.after + 1] = fn
end

-- stubs ----------------------------------------------------------------------------------------

local stubs, replayed = {}, {}
local stub = {}

-- stub.aws(client, operation, match, response): boto3's client and method names; `match` a table
-- of input members that must be the same, a function of the input, or nil for any call.
function stub.aws(client, operation, match, response)
  check_string("stub.aws", 1, client)
  check_string("stub.aws", 2, operation)
  local known, problem = G.pcall(host.check_aws, client, operation)
  if not known then error(bare(problem), 2) end
  if match ~= nil and type(match) ~= "table" and type(match) ~= "function" then
    error("stub.aws: bad argument #3 (match): expected a table, a function or nil, got " .. type(match), 2)
  end
  if type(response) ~= "table" and type(response) ~= "function" then
    error("stub.aws: bad argument #4 (response): expected a table or a function, got " .. type(response), 2)
  end
  stubs[#stubs + 1] = { key = "aws " .. client .. " " .. operation, match = match, response = response, aws = true }
end

-- stub.probe(kind, match, result): `tcp`, `tls`, `dns`, `http`, `zk_status`, `zk_children`,
-- `kafka_metadata`, `kafka_api_versions`, `metrics_scrape`.
function stub.probe(kind, match, result)
  check_string("stub.probe", 1, kind)
  local known, problem = G.pcall(host.check_probe, kind)
  if not known then error(bare(problem), 2) end
  if match ~= nil and type(match) ~= "table" and type(match) ~= "function" then
    error("stub.probe: bad argument #2 (match): expected a table, a function or nil, got " .. type(match), 2)
  end
  if type(result) ~= "table" and type(result) ~= "function" then
    error("stub.probe: bad argument #3 (result): expected a table or a function, got " .. type(result), 2)
  end
  stubs[#stubs + 1] = { key = "probe " .. kind, match = match, response = result }
end

-- stub.replay(file): a recording from `runbook run --record`; each answer is given once, to the
-- call with the same input if there is one, else to the next call of the same operation.
function stub.replay(path)
  check_string("stub.replay", 1, path)
  local ok, calls = G.pcall(host.read_recording, path)
  if not ok then error(bare(calls), 2) end
  for _, call in ipairs(calls) do
    local key = call.kind and ("probe " .. call.kind) or ("aws " .. tostring(call.client) .. " " .. tostring(call.operation))
    replayed[#replayed + 1] = { key = key, input = call.input or call.arguments, response = call.response }
  end
end
env.stub = stub

local function key_of(call)
  return call.kind and ("probe " .. call.kind) or ("aws " .. call.client .. " " .. call.operation)
end

local function describe_call(call)
  return key_of(call) .. " " .. show(call.input or call.arguments or {})
end

local function accepts(match, input)
  if match == nil then return true end
  if type(match) == "function" then return match(input) and true or false end
  for name, value in pairs(match) do
    if not same(value, input[name]) then return false end
  end
  return true
end

-- What the host answers a call with: { result = ... }, { error = {...} } or { refuse = text }.
local function respond(response, input)
  if type(response) == "function" then response = response(input) end
  if type(response) ~= "table" then error("a stub's response function returned " .. type(response) .. ", not a table", 0) end
  if type(response.error) == "table" then return { error = response.error } end
  return { result = response }
end

local function answer(call)
  local key, input = key_of(call), call.input or call.arguments or {}
  for i = #stubs, 1, -1 do
    local s = stubs[i]
    if s.key == key and accepts(s.match, input) then return respond(s.response, input) end
  end
  local fallback
  for _, r in ipairs(replayed) do
    if not r.used and r.key == key then
      if same(r.input, input) then fallback = r break end
      fallback = fallback or r
    end
  end
  if fallback then
    fallback.used = true
    return respond(fallback.response, input)
  end
  return nil
end

-- run_runbook ----------------------------------------------------------------------------------

local function list_of(value) return type(value) == "table" and value or {} end

function env.run_runbook(name, params, options)
  check_string("run_runbook", 1, name)
  if params ~= nil and type(params) ~= "table" then error("run_runbook: bad argument #2 (params): expected a table, got " .. type(params), 2) end
  if options ~= nil and type(options) ~= "table" then error("run_runbook: bad argument #3 (options): expected a table, got " .. type(options), 2) end
  local ok, handle = G.pcall(host.start_run, name, params or {}, options or {})
  if not ok then error(bare(handle), 2) end
  local calls, problems = {}, {}
  while true do
    local event = host.next_event(handle)
    if event.cancelled then error("run_runbook: the test was stopped before the run ended", 2) end
    if event.finished then
      local result = event.finished
      result.calls = calls
      result.findings, result.planned, result.steps = list_of(result.findings), list_of(result.planned), list_of(result.steps)
      result.codes, result.tables = list_of(result.codes), list_of(result.tables)
      if #problems > 0 then fail("run_runbook", concat(problems, "; ")) end
      return result
    end
    local call = event.call
    calls[#calls + 1] = call.kind and { kind = call.kind, arguments = call.arguments }
      or { client = call.client, operation = call.operation, input = call.input }
    local answered, response = G.pcall(answer, call)
    if not answered then
      problems[#problems + 1] = "a stub for " .. describe_call(call) .. " failed: " .. tostring(bare(response))
      response = { refuse = "the stub failed: " .. tostring(bare(response)) }
    elseif response == nil then
      problems[#problems + 1] = "unstubbed call: " .. describe_call(call)
      response = { refuse = "no stub for " .. describe_call(call) .. " (runbook test runs without network)" }
    end
    host.answer(handle, call.id, response)
  end
end

-- The runner -----------------------------------------------------------------------------------

local function chain(b, field, into)
  if b.parent then chain(b.parent, field, into) end
  for _, fn in ipairs(b[field]) do into[#into + 1] = fn end
  return into
end

local function outcome(test, err)
  local result = { name = test.name, location = test.location, ok = false }
  if getmetatable(err) == failure_mt then
    result.assertion, result.message, result.expected, result.actual = err.assertion, err.message, err.expected, err.actual
    result.location = err.location
  else
    result.message = type(err) == "string" and err or show(err)
  end
  return result
end

return function(chunk)
  chunk()
  collecting = false
  local results = {}
  for _, test in ipairs(tests) do
    stubs, replayed = {}, {}
    local ok, err = true, nil
    for _, fn in ipairs(chain(test.block, "before", {})) do
      ok, err = pcall(fn)
      if not ok then break end
    end
    if ok then ok, err = pcall(test.fn) end
    local afters = chain(test.block, "after", {})
    for i = #afters, 1, -1 do
      local after_ok, after_err = pcall(afters[i])
      if ok and not after_ok then ok, err = false, after_err end
    end
    results[#results + 1] = ok and { name = test.name, location = test.location, ok = true } or outcome(test, err)
  end
  return results
end

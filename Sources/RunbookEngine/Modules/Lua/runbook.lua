-- The runbook API written in Lua: the parts that must call Lua functions (the step body,
-- parallel branches), which Swift may not do (the bridge rule). Declared, with their docs, in
-- Sources/RunbookEngine/Modules/Declarations/RunbookGlobals.swift. Runs once per state with its
-- own empty _ENV; everything it uses is captured here, before any runbook code runs.
local _, env, G, host, helpers = ...
local type, error, tostring, select, rawpcall = G.type, G.error, G.tostring, G.select, G.pcall
local pack, unpack, concat = G.table.pack, G.table.unpack, G.table.concat
local format, setmetatable, min = G.string.format, G.setmetatable, G.math.min
local check, sleep, log_info = helpers.check, env.sleep, env.log.info

local function text(err)
  if type(err) == "string" then return err end
  return tostring(err)
end

-- True when a run-wide stop or an enclosing step's timeout is pending.
local function stopping(err)
  return not rawpcall(check, false, err)
end

function env.step(name, options, fn)
  if fn == nil then fn, options = options, nil end
  if type(name) ~= "string" then error("step: bad argument #1 (name): expected a string, got " .. type(name), 2) end
  if type(fn) ~= "function" then error("step: bad argument (fn): expected a function, got " .. type(fn), 2) end
  if options ~= nil and type(options) ~= "table" then
    error("step: bad argument #2 (options): expected a table, got " .. type(options), 2)
  end
  local index, retries, backoff, timeout, continue = host.step(name, options)
  local attempt = 0
  while true do
    attempt = attempt + 1
    host.attempt_begin(index)
    local r = pack(rawpcall(fn))
    local timed_out = host.attempt_end(index)
    if r[1] then
      host.step_end(index, "ok", attempt, nil, unpack(r, 2, r.n))
      return unpack(r, 2, r.n)
    end
    local err = r[2]
    if timed_out then err = format("step '%s' timed out after %gs", name, timeout) end
    if attempt > retries or stopping(err) then
      host.step_end(index, timed_out and "timed_out" or "failed", attempt, text(err))
      check(false, err)
      if continue then return nil, text(err) end
      error(err, 0)
    end
    local delay = min(backoff * 2 ^ (attempt - 1), 300)
    host.retry(index, attempt, text(err), delay)
    sleep(delay)
  end
end

function env.fail(message)
  error(host.fail(message), 0)
end

function env.print(...)
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
  log_info(concat(parts, "\t"))
end

-- Runs each function as its own task; every branch finishes even when others fail.
local function run_all(functions, count)
  local ids = {}
  for i = 1, count do ids[i] = host.spawn(functions[i]) end
  return host.join(ids)
end

function env.parallel(...)
  local functions = pack(...)
  for i = 1, functions.n do
    if type(functions[i]) ~= "function" then
      error(format("parallel: bad argument #%d: expected a function, got %s", i, type(functions[i])), 2)
    end
  end
  local results = run_all(functions, functions.n)
  local values, failures = {}, {}
  for i = 1, functions.n do
    local r = results[i]
    if r[1] then values[i] = r[2] else failures[#failures + 1] = format("#%d: %s", i, text(r[2])) end
  end
  if #failures > 0 then
    error(format("parallel: %d of %d branches failed: %s", #failures, functions.n, concat(failures, "; ")), 2)
  end
  return unpack(values, 1, functions.n)
end

function env.each(list, fn, options)
  if type(list) ~= "table" then error("each: bad argument #1 (list): expected a table, got " .. type(list), 2) end
  if type(fn) ~= "function" then error("each: bad argument #2 (fn): expected a function, got " .. type(fn), 2) end
  options = options or {}
  local concurrency = options.concurrency or 32
  if type(concurrency) ~= "number" or concurrency < 1 or concurrency % 1 ~= 0 then
    error("each: concurrency must be a positive integer", 2)
  end
  local n = #list
  local results, errors, failed = {}, {}, 0
  local next_index = 0
  local function worker()
    while true do
      next_index = next_index + 1
      local i = next_index
      if i > n then return end
      local r = pack(rawpcall(fn, list[i], i))
      if r[1] then
        results[i] = r[2]
      else
        check(false, r[2])
        errors[i] = text(r[2])
        failed = failed + 1
      end
    end
  end
  local workers = {}
  for w = 1, min(concurrency, n) do workers[w] = worker end
  run_all(workers, #workers)
  if options.collect then return results, errors end
  if failed > 0 then
    local lines = {}
    for i = 1, n do if errors[i] then lines[#lines + 1] = format("[%d] %s", i, errors[i]) end end
    error(format("each: %d of %d items failed: %s", failed, n, concat(lines, "; ")), 2)
  end
  return results
end

-- Secret parameters arrive as opaque values: tostring, `..`, json.encode, log, fail and errors
-- all give "<redacted>"; `p.password:reveal()` gives the string, and primitives take the value
-- itself. The value sits in the secret's own metatable, which `__metatable` hides from Lua.
local secret_methods = {}
local secret_values = setmetatable({}, { __mode = "k" })
local function shown(v) if secret_values[v] ~= nil then return "<redacted>" end return v end
local function make_secret(value)
  local secret = setmetatable({}, {
    __secret = value,  -- read by the host (LuaSecret.valueKey), which reveals it to primitives only
    __metatable = "secret",
    __index = secret_methods,
    __tostring = function() return "<redacted>" end,
    __concat = function(a, b) return shown(a) .. shown(b) end,
    __newindex = function() error("a secret cannot be changed", 2) end,
  })
  secret_values[secret] = value
  return secret
end
function secret_methods.reveal(self)
  local value = secret_values[self]
  if value == nil then error("reveal: call it as secret:reveal()", 2) end
  return value
end

-- The read-only `run` table, installed by the engine when the run starts; secret parameters
-- in `data.params` (which `run` gets too) become opaque values first.
function host.install_run(data, secret_names)
  for _, name in G.ipairs(secret_names) do
    local value = data.params[name]
    if type(value) == "table" then
      for i, item in G.ipairs(value) do value[i] = make_secret(item) end
    elseif value ~= nil then
      data.params[name] = make_secret(tostring(value))
    end
  end
  env.run = setmetatable({}, {
    __index = data,
    __newindex = function() error("run is read-only", 2) end,
    __metatable = false,
  })
end

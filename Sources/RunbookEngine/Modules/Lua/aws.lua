-- aws.<client>.<operation>{...}: every client table is made at its first access, and every
-- operation function at its first use, over the one host function aws.call (declared in
-- AWSModule.swift, which loads the client's model at its first call). A run that names no
-- client loads no model. aws.<client>.wait loops over the host function aws.poll.
local module, env, G, host = ...
local setmetatable, rawset, type, error, ipairs, concat = G.setmetatable, G.rawset, G.type, G.error, G.ipairs, G.table.concat
local format, tostring = G.string.format, G.tostring
local call, clients, poll, waiters, sleep, clock = module.call, module.clients, module.poll, module.waiters, env.sleep, host.clock
local known

-- Polls until an acceptor says success or failure (AWSWaiterPoll tries them, botocore's way).
-- Each pause is env.sleep, which step timeouts, the run's deadline and cancel cut short; and the
-- wait gives up itself, with its polls and the last state seen, when the next poll could not
-- come before its own timeout or that nearer deadline, rather than be cut mid-sleep.
function module.wait(client, name, input, options)
  local label = "aws." .. tostring(client) .. ".wait " .. tostring(name)
  local started = clock()
  local polls = 0
  local function count() return polls == 1 and "1 poll" or polls .. " polls" end
  while true do
    local r = poll(client, name, input, options)
    polls = polls + 1
    if r.planned then return r end
    if r.state == "success" then return r.answer or {} end
    if r.state == "failure" then
      error(format("%s: failed after %s: %s (last: %s)", label, count(), r.matched, r.observed), 2)
    end
    local now, deadline = clock()
    local limit, cut = started + r.timeout, false
    if deadline ~= nil and deadline < limit then limit, cut = deadline, true end
    if now + r.interval > limit then
      error(format("%s: not reached after %s in %.1f s%s (last: %s)", label, count(), now - started,
        cut and "; the step's or the run's deadline comes before the next poll" or "", r.observed), 2)
    end
    sleep(r.interval)
  end
end
local wait = module.wait

local function client_table(client)
  local methods = {
    wait = function(name, input, options) return wait(client, name, input, options) end,
    waiters = function() return waiters(client) end,
  }
  return setmetatable(methods, {
    __index = function(self, method)
      if type(method) ~= "string" then return nil end
      local operation = function(input) return call(client, method, input) end
      rawset(self, method, operation)
      return operation
    end,
    __newindex = function() error("aws." .. client .. " is read-only", 2) end,
    __metatable = false,
  })
end

setmetatable(module, {
  __index = function(self, client)
    if known == nil then
      known = {}
      for _, name in ipairs(clients()) do known[name] = true end
    end
    if type(client) ~= "string" or not known[client] then
      error("aws has no client " .. G.tostring(client) .. " (clients: " .. concat(clients(), ", ") .. ")", 2)
    end
    local made = client_table(client)
    rawset(self, client, made)
    return made
  end,
  __metatable = false,
})

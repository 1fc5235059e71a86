-- aws.<client>.<operation>{...}: every client table is made at its first access, and every
-- operation function at its first use, over the one host function aws.call (declared in
-- AWSModule.swift, which loads the client's model at its first call). A run that names no
-- client loads no model.
local module, env, G = ...
local setmetatable, rawset, type, error, ipairs, concat = G.setmetatable, G.rawset, G.type, G.error, G.ipairs, G.table.concat
local call, clients = module.call, module.clients
local known

local function client_table(client)
  return setmetatable({}, {
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

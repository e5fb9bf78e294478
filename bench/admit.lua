-- wrk script: admit an allocation of 1 GPU, then release it, over and over.
-- Each connection's admissions carry unique idempotency keys.
local counter = 0
local pending = {}
local thread_tag = (os.getenv("MC_BENCH_TAG") or "") .. tostring(math.random(1, 1e9))

request = function()
  local id = table.remove(pending)
  if id then
    return wrk.format("DELETE", "/api/v1/allocations/" .. id)
  end
  counter = counter + 1
  local body = '{"service":"ccs","resources":{"gpu":1},"idempotency_key":"bench-' .. thread_tag .. '-' .. counter .. '"}'
  local headers = { ["Content-Type"] = "application/json" }
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", "/api/v1/allocations", headers, body)
end

response = function(status, headers, body)
  if status == 201 then
    local id = string.match(body, '"id":(%d+)')
    if id then table.insert(pending, id) end
  end
end

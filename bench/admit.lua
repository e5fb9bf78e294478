-- wrk script: admit an allocation of 1 GPU, then release it, over and over.
-- Each admission carries an idempotency key of its own: the instance's tag,
-- the thread's number (every thread's random numbers are the same
-- sequence, so they cannot tell threads apart) and a count.
local threads = 0
local counter = 0
local pending = {}
local thread_tag

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  thread_tag = (os.getenv("MC_BENCH_TAG") or "") .. tostring(thread_number)
end

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

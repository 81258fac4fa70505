-- wrk script of the load harness (benchmarks/load/run.sh).
-- POSTs an OpenAI chat request whose body is unique to each request (thread id + counter), so the
-- gateway's response cache computes its key, misses and stores the answer on every request, and
-- writes one JSON summary line to $BENCH_OUT (latencies in microseconds) when wrk is done.
-- Environment: BENCH_MODEL (alias or upstream model id), BENCH_KEY (caller key; none = direct to
-- the mock), BENCH_OUT (summary file; stdout when unset).

local model = os.getenv("BENCH_MODEL") or "bench"
local key = os.getenv("BENCH_KEY")
local out = os.getenv("BENCH_OUT")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- about 300 bytes, shaped like a small real chat request
local prefix = '{"model":"' .. model .. '","max_tokens":64,"temperature":0.2,"messages":['
  .. '{"role":"system","content":"You are a concise assistant."},'
  .. '{"role":"user","content":"Request '
local suffix = ': summarise the plot of a short story about a lighthouse keeper in one sentence."}]}'
local counter = 0

function request()
  counter = counter + 1
  return wrk.format(nil, nil, nil, prefix .. (tid or 0) .. "-" .. counter .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  local line = string.format('{"requests":%d,"duration_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean)
  if out and out ~= "" then
    local f = assert(io.open(out, "w"))
    f:write(line .. "\n")
    f:close()
  else
    io.write(line .. "\n")
  end
end

-- wrk script: POST one AdmissionReview body (file in WP_BENCH_BODY) as JSON
-- on every request; with WP_BENCH_DELAY_MS set, each connection waits that
-- long between requests (a fixed offered rate). done() prints one
-- machine-readable RESULT line.
local f = assert(io.open(os.getenv("WP_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

-- wrk's delay() takes whole milliseconds; a fractional pause is met on
-- average by carrying the remainder from one request to the next.
local delay_ms = tonumber(os.getenv("WP_BENCH_DELAY_MS") or "0")
local carried = 0
if delay_ms > 0 then
  function delay()
    carried = carried + delay_ms
    local whole = math.floor(carried)
    carried = carried - whole
    return whole
  end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d non2xx=%d\n",
    summary.requests, summary.requests / secs,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end

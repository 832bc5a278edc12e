-- wrk script for bench/run.py: sends one auth header taken from the environment and prints a
-- JSON summary line (latencies in microseconds) that run.py parses.
local name = os.getenv("BENCH_HEADER_NAME")
local value = os.getenv("BENCH_HEADER_VALUE")
if name and value and name ~= "" then
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end

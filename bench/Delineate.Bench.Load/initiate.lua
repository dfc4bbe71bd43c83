-- wrk script for P1 (bench/run.sh): POST /v1/download/initiate with one small available file, the
-- owner (X-User-Id) varied per request over OWNERS owners, since every owner has its own index grain.
-- Prints one JSON line at the end: requests/s, latency percentiles (ms), errors and non-2xx answers.
local owners = tonumber(os.getenv("OWNERS") or "256")
local file_id = os.getenv("FILE_ID") or "70000"
local prefix = os.getenv("OWNER_PREFIX") or "p1"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = '{"file_ids":[' .. file_id .. ']}'
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  wrk.headers["X-User-Id"] = prefix .. "-" .. ((counter * 7 + (thread_id or 0) * 13) % owners)
  return wrk.format()
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f,"mean_ms":%.2f,"socket_errors":%d,"non2xx":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, errors, summary.errors.status))
end

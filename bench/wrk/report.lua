-- Shared wrk done() hook: prints one machine-readable line that bench/run.sh parses.
-- summary.errors.status counts responses outside 2xx/3xx; the others are socket errors. `invalid` counts responses
-- that a scenario script's response() hook rejected (wrong row count, wrong byte count): each script that checks
-- bodies keeps the global `invalid` in its thread, and done() sums it over the threads setup() saw.
--
-- wrk 4.1's percentile() walks its histogram from the smallest recorded latency, but its
-- coordinated-omission correction can add samples below that, so the walk may never reach the
-- rank and return 0 (seen with pipelining). A 0 is reported as -1, which run.sh records as null
-- ("unknown") rather than as a latency of zero.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function percentile(latency, p)
  local v = latency:percentile(p)
  if v == nil or v <= 0 then
    return -1
  end
  return v
end

function done(summary, latency, requests)
  local e = summary.errors
  local invalid = 0
  for _, thread in ipairs(threads) do
    invalid = invalid + (tonumber(thread:get("invalid")) or 0)
  end
  io.write(string.format(
    "ZOKIO_BENCH requests=%.0f duration_us=%.0f bytes=%.0f connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f invalid=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, invalid,
    percentile(latency, 50), percentile(latency, 90), percentile(latency, 99), latency.max))
end

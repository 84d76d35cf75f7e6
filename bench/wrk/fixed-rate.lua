-- Fixed request rate, wrk2-style, for comparing latency at equal load: runs the scenario's own script
-- (ZOKIO_BENCH_SCRIPT) and adds a delay() that spaces requests on a fixed schedule of ZOKIO_BENCH_RATE requests per
-- second (run wrk with -t1: the rate is per thread). Each request claims the next slot on the schedule and waits for
-- it; when the server falls behind, the late requests go out at once, so the rate holds on average as long as the
-- server can keep up. Latency is measured from when a request is sent (wrk's own correction for coordinated omission
-- then applies), so keep the rate below the slowest server's maximum and check that every server reached it.
local script = os.getenv("ZOKIO_BENCH_SCRIPT") or error("fixed-rate.lua: ZOKIO_BENCH_SCRIPT is not set")
local rate = tonumber(os.getenv("ZOKIO_BENCH_RATE")) or error("fixed-rate.lua: ZOKIO_BENCH_RATE is not a number")
dofile(script)

-- wrk's Lua has no wall clock finer than a second; LuaJIT's FFI reaches clock_gettime(CLOCK_MONOTONIC).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } zokio_timespec;
  int clock_gettime(int clock_id, zokio_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("zokio_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end

local interval_ms = 1000 / rate
local next_ms = nil

function delay()
  local now = now_ms()
  next_ms = next_ms or now
  local wait = next_ms - now
  next_ms = next_ms + interval_ms
  if wait <= 0 then
    return 0
  end
  return math.floor(wait + 0.5)
end

-- Holds wrk's connections open and nearly idle for the many-connections scenario: each connection
-- sends one GET as soon as it is up (so the server has served it and holds it as a keep-alive
-- connection, not merely accepted), then one more every `delay_ms` (default 60 s), which stays
-- inside every server's keep-alive timeout (nginx 75 s, Kestrel 130 s).
-- Usage: wrk -c N ... -s idle.lua <url> -- N [delay_ms]
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local connections = 0
local delay_ms = 60000
local calls = 0

function init(args)
  connections = tonumber(args[1]) or connections
  delay_ms = tonumber(args[2]) or delay_ms
end

-- wrk asks delay() before every request, a connection's first one included (wrk 4.1), and does
-- not say which connection asks; the first `connections` calls are each connection's first request.
function delay()
  calls = calls + 1
  if calls <= connections then
    return 0
  end
  return delay_ms
end

-- Connection churn as HttpArena's limited-conn profile: connections serve 10 requests each (`-- N` changes it) and
-- are replaced. wrk's Lua cannot tell its connections apart, so every Nth request of the thread asks the server to
-- close (`Connection: close`) and wrk reconnects: connections serve N requests on average, and there is exactly one
-- new connection per N requests, which is the load this scenario is about.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local per_connection = 10
local sent = 0
local keep_alive, last

function init(args)
  per_connection = tonumber(args[1]) or per_connection
  keep_alive = wrk.format()
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Connection"] = "close"
  last = wrk.format(nil, nil, headers)
end

function request()
  sent = sent + 1
  if sent % per_connection == 0 then
    return last
  end
  return keep_alive
end

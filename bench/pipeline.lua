-- HTTP/1.1 pipelining as in TechEmpower's plaintext test: each write carries `depth` requests
-- for the URL's path (default 16; `wrk ... -s pipeline.lua <url> -- 8` changes it).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk/report.lua")

local depth = 16
local batch

function init(args)
  depth = tonumber(args[1]) or depth
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  batch = table.concat(r)
end

function request()
  return batch
end

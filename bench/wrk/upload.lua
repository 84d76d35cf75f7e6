-- HttpArena-style upload: POST a body of `-- BYTES` bytes (default 1 MiB) to the URL's path, which answers with the
-- number of bytes it read; any other answer counts as invalid and fails the run.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local expected
invalid = 0

function init(args)
  local size = tonumber(args[1]) or 1048576
  expected = tostring(size)
  wrk.method = "POST"
  wrk.body = string.rep("z", size)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function response(status, headers, body)
  if status == 200 and body ~= expected then
    invalid = invalid + 1
  end
end

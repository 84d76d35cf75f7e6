-- TechEmpower database tests under load: every 200 response must hold `-- ROWS` occurrences of `-- MARKER` (default
-- '"id":', one per JSON row; the fortunes page passes 14 and '<tr>': the header row plus 13 fortunes). A cheap check
-- of every response; bench/run.sh validates the content in depth (Zokio.BenchClient validate) before measuring.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local rows = 1
local marker = '"id":'
invalid = 0

function init(args)
  rows = tonumber(args[1]) or rows
  marker = args[2] or marker
end

function response(status, headers, body)
  if status ~= 200 then
    return -- counted by wrk as a status error
  end
  local count, from = 0, 1
  while true do
    local at = string.find(body, marker, from, true)
    if at == nil then
      break
    end
    count = count + 1
    from = at + #marker
  end
  if count ~= rows then
    invalid = invalid + 1
  end
end

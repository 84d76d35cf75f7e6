-- POST a 16 KiB body to the URL's path (the app echoes it back), so request bodies go through
-- the transport's input pipe and the same amount comes back through the output pipe.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

wrk.method = "POST"
wrk.body = string.rep("z", 16 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"

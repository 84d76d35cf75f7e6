-- Plain GET (the URL's path) with the shared summary; extra headers come from wrk -H.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

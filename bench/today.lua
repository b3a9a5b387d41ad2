-- wrk script: GET /today as many different signed-in people, round robin.
local tokens = {}
for line in io.lines(os.getenv("TEND_TOKENS") or "bench-tokens.txt") do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", os.getenv("TEND_PATH") or "/today", { ["Cookie"] = "tend_session=" .. tokens[i] })
end

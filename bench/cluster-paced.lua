-- wrk script: GET /today as many different signed-in people, round robin,
-- each connection pausing PACE_MS (default 200) before every request, so the
-- offered load is about connections × 1000 / PACE_MS requests a second
-- whatever the number of processes (bench/cluster-cpu.sh).
local tokens = {}
for line in io.lines(os.getenv("TEND_TOKENS") or "bench-tokens.txt") do
  if #line > 0 then tokens[#tokens + 1] = line end
end
local pause = tonumber(os.getenv("PACE_MS") or "200")
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/today", { ["Cookie"] = "tend_session=" .. tokens[i] })
end
delay = function()
  return pause
end

-- wrk script: post a reply in a circle thread as many different members, the
-- way the browser form does (session cookie + form token). TEND_TOKENS and
-- TEND_CSRF hold one line per person, in the same order; TEND_PATH is the
-- thread's replies URL, or, with TEND_THREADS (a file of thread ids, one a
-- line) and TEND_CIRCLE, the replies go to those threads in turn.
local tokens, csrf = {}, {}
for line in io.lines(os.getenv("TEND_TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
for line in io.lines(os.getenv("TEND_CSRF")) do
  if #line > 0 then csrf[#csrf + 1] = line end
end
local paths = {}
if os.getenv("TEND_THREADS") then
  for line in io.lines(os.getenv("TEND_THREADS")) do
    if #line > 0 then
      paths[#paths + 1] = "/circles/" .. os.getenv("TEND_CIRCLE") .. "/threads/" .. line .. "/replies"
    end
  end
else
  paths[1] = os.getenv("TEND_PATH")
end
local i, n = 0, 0
request = function()
  i = i % #tokens + 1
  n = n + 1
  local body = "csrf=" .. csrf[i] .. "&body=Thank+you+for+writing+this%2C+reply+" .. n .. "+from+the+load+test."
  return wrk.format("POST", paths[n % #paths + 1], {
    ["Cookie"] = "tend_session=" .. tokens[i],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

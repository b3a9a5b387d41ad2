-- wrk script: post a reply in a circle thread as many different members, the
-- way the browser form does (session cookie + form token). TEND_TOKENS and
-- TEND_CSRF hold one line per person, in the same order; TEND_PATH is the
-- thread's replies URL.
local tokens, csrf = {}, {}
for line in io.lines(os.getenv("TEND_TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
for line in io.lines(os.getenv("TEND_CSRF")) do
  if #line > 0 then csrf[#csrf + 1] = line end
end
local i, n = 0, 0
request = function()
  i = i % #tokens + 1
  n = n + 1
  local body = "csrf=" .. csrf[i] .. "&body=Thank+you+for+writing+this%2C+reply+" .. n .. "+from+the+load+test."
  return wrk.format("POST", os.getenv("TEND_PATH"), {
    ["Cookie"] = "tend_session=" .. tokens[i],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

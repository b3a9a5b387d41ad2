-- wrk script for Isso: ISSO_MODE=read fetches the 100-comment thread's
-- comments (GET /?uri=/thread); ISSO_MODE=post posts a new comment in /post.
local mode = os.getenv("ISSO_MODE") or "read"
local origin = os.getenv("ISSO_ORIGIN") or "http://127.0.0.1:18200"
local n = 0
request = function()
  if mode == "post" then
    n = n + 1
    return wrk.format("POST", "/new?uri=%2Fpost", {
      ["Content-Type"] = "application/json",
      ["Origin"] = origin,
    }, '{"text":"Thank you for writing this, reply ' .. n .. ' from the load test.","author":"bench"}')
  end
  return wrk.format("GET", "/?uri=%2Fthread")
end

-- wrk script for the bare baseline (bench/baseline): BASE_MODE=page reads
-- person N's newest row and renders a page; BASE_MODE=save inserts a row.
local people = tonumber(os.getenv("BASE_PEOPLE") or "1000")
local mode = os.getenv("BASE_MODE") or "page"
local i = 0
request = function()
  i = i % people + 1
  if mode == "save" then
    return wrk.format("POST", "/save", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "p=" .. (i - 1) .. "&mood=4")
  end
  return wrk.format("GET", "/page?p=" .. (i - 1))
end

-- wrk script for feedback_load.py --client wrk: posts the feedback form, and records each reference the
-- server acknowledges (the ref= of the 303 Location) in refs-<thread>.txt, so that the caller can check
-- every one of them is in the database. Each thread stops after its share of answers.
--
--   wrk -t2 -c64 -d120s -s post.lua http://127.0.0.1:PORT/feedback -- <answers per thread> <folder>

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  limit = tonumber(args[1]) or 10000
  folder = args[2] or "."
  out = io.open(folder .. "/refs-" .. id .. ".txt", "w")
  sent = 0
  answered = 0
end

local plans = { "torma-kooli-katus", "poltsamaa-tee", "mustvee-sadam" }
local villages = { "torma", "adavere", "kasepaa" }

function request()
  sent = sent + 1
  local k = sent % 3 + 1
  local body = "plan=" .. plans[k] .. "&message=Koormustesti+s%C3%B5num+" .. id .. "-" .. sent
    .. "&name=Elanik&email=elanik%40example.ee&village=" .. villages[k] .. "&website="
  return wrk.format("POST", "/feedback", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status == 303 then
    local ref = (headers["Location"] or ""):match("ref=([^&]+)")
    if ref then out:write(ref, "\n") end
  end
  if answered >= limit then
    out:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  io.write(string.format("latency p50 %.3f ms p99 %.3f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end

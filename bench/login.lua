-- wrk script for the login POST (bench/run.py passes these through the
-- environment): the sign-in form, with the CSRF token of an anonymous
-- session and that session's cookie. wrk sends the same cookie every time
-- and ignores the one a successful sign-in sets, so every request is a
-- fresh sign-in with the real password hash.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_LOGIN_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("BENCH_LOGIN_COOKIE")

-- Each thread loads this file on its own: these counters are per thread,
-- and done() (run once, at the end) adds them up.
redirected, bad_request, too_many, other = 0, 0, 0, 0
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function response(status, headers, body)
   if status == 303 then
      redirected = redirected + 1
   elseif status == 400 then
      bad_request = bad_request + 1
   elseif status == 429 then
      too_many = too_many + 1
   else
      other = other + 1
   end
end

function done(summary, latency, requests)
   local totals = {redirected = 0, bad_request = 0, too_many = 0, other = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
   end
   io.write(string.format("STATUS 303 %d\nSTATUS 400 %d\nSTATUS 429 %d\nSTATUS other %d\n",
                          totals.redirected, totals.bad_request, totals.too_many, totals.other))
end

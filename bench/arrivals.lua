-- wrk script for visitors as they arrive (bench/run.py): every request a
-- different visitor, each with its own Cookie header and its own path, read
-- from a file of "cookie<TAB>path" lines (bench/arrivals.py's
-- write_lua_table). The file and the number of wrk threads come as the
-- script's arguments:
--
--   wrk -t2 ... -s bench/arrivals.lua http://127.0.0.1:PORT -- FILE 2
--
-- Each thread loads this file on its own (its own Lua state): the entries,
-- the position and the counters below are per thread.

local entries = {}
local position = 1
local threads = {}
local thread_count = 0

-- Run in wrk's main state, once per thread, just before that thread's
-- init(): numbers the threads, so that each starts at its own offset.
function setup(thread)
   thread:set("id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

function init(args)
   local path, threads_in_all = args[1], tonumber(args[2] or "1")
   if not path then
      error("arrivals.lua: the file of cookies and paths is missing (-- FILE THREADS)")
   end
   local file = assert(io.open(path, "r"))
   for line in file:lines() do
      local cookie, url = line:match("^([^\t]*)\t(.+)$")
      if url then
         table.insert(entries, {cookie = cookie, path = url})
      end
   end
   file:close()
   if #entries == 0 then
      error("arrivals.lua: no entries in " .. path)
   end
   -- Thread n of t starts n/t of the way through the list: two threads do
   -- not ask for the same visitor at once (each walks its own stretch
   -- first, and they stay that far apart).
   position = math.floor(#entries * (id or 0) / threads_in_all) % #entries + 1
end

function request()
   local entry = entries[position]
   position = position % #entries + 1
   if entry.cookie == "" then
      return wrk.format("GET", entry.path)
   end
   return wrk.format("GET", entry.path, {Cookie = entry.cookie})
end

-- Every status counted: a signed-in page that sends its visitor to the
-- sign-in (a 303) is not an error to wrk, and would be measured as fast.
ok, redirected, client_error, server_error = 0, 0, 0, 0

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   elseif status < 400 then
      redirected = redirected + 1
   elseif status < 500 then
      client_error = client_error + 1
   else
      server_error = server_error + 1
   end
end

function done(summary, latency, requests)
   local totals = {ok = 0, redirected = 0, client_error = 0, server_error = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
   end
   io.write(string.format("STATUS 200 %d\nSTATUS 3xx %d\nSTATUS 4xx %d\nSTATUS 5xx %d\n",
                          totals.ok, totals.redirected, totals.client_error, totals.server_error))
end

-- wrk script for the realistic mix (see benchmarks/mix.py). Run wrk with as many threads
-- as connections: each thread then holds one connection, which plays the requests of
-- its own list over and over. The list comes from the plan file run.py writes, one
-- request a line, tab-separated: connection, user, kind, cookie, path.
--
--   wrk -t8 -c8 -d30s -s benchmarks/mix.lua http://127.0.0.1:PORT -- PLAN LOG_PREFIX [START]
--
-- START (default 0) is where in its list each connection begins, so that a warm-up can
-- play other requests than the measured run.
--
-- Each thread logs every response to LOG_PREFIX<thread>.tsv (kind, user, status, ms
-- from request() to response() on the monotonic clock, path) for mix.py to sum up per
-- kind of page; done() prints wrk's own figures for the whole mix as one JSON line.
-- (Per-thread figures go through files because wrk's thread:get corrupts memory when
-- it copies tables of more than a few entries.)

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } mix_timespec;
  int clock_gettime(int clock, mix_timespec *ts);
]]
local clock = ffi.new("mix_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

-- Per thread ----------------------------------------------------------------------------
local plan = {}      -- {request text, kind, user, path}
local position = 0
local current = nil
local started = 0
local log = nil

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  for line in io.lines(args[1]) do
    local f = split(line)
    if tonumber(f[1]) == id then
      table.insert(plan, {wrk.format("GET", f[5], {["Cookie"] = f[4]}), f[3], f[2], f[5]})
    end
  end
  if #plan == 0 then
    error("no request in the plan for connection " .. id)
  end
  position = (id * 7 + tonumber(args[3] or 0)) % #plan -- not all in step
  log = assert(io.open(args[2] .. id .. ".tsv", "w"))
  log:setvbuf("line") -- wrk gives a thread no last call to flush in
end

function request()
  position = position % #plan + 1
  current = plan[position]
  started = now_ms()
  return current[1]
end

function response(status, headers, body)
  log:write(string.format("%s\t%s\t%d\t%.3f\t%s\n", current[2], current[3], status,
                          now_ms() - started, current[4]))
end

-- Once, in wrk's main state: done() prints the figures as the single-URL runs do.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

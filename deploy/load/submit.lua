-- wrk script: POST /api/v1/jobs with a valid job request (the bundled model, one profile) and an API key.
--   QF_API_KEY       the key to send (Authorization: Bearer); empty when the API runs with qf.auth.enabled=false
--   QF_LOAD_SOURCE   the source directory (default s3://quantforge-models/stories260K)
--   QF_LOAD_TARGETS  comma-separated profiles (default cpu-x86-avx2)
--   QF_LOAD_RATE     submits per second in all (default 0: as fast as the connections go); paced per wrk thread,
--                    with QF_LOAD_THREADS (wrk's -t) to share it out. A paced run measures latency at that rate;
--                    an unpaced one measures the most the server does, its latency the queueing at saturation.
-- Each request is a new job (no Idempotency-Key). done() prints the status codes seen, as one line that
-- deploy/load/run reads: "statuses 202=N 429=M ...".
local key = os.getenv("QF_API_KEY") or ""
local source = os.getenv("QF_LOAD_SOURCE") or "s3://quantforge-models/stories260K"
local targets = os.getenv("QF_LOAD_TARGETS") or "cpu-x86-avx2"

local quoted = {}
for profile in string.gmatch(targets, "[^,]+") do
  quoted[#quoted + 1] = '"' .. profile .. '"'
end

wrk.method = "POST"
wrk.path = "/api/v1/jobs"
wrk.headers["Content-Type"] = "application/json"
if key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end
wrk.body = '{"source":{"uri":"' .. source .. '","format":"hf"},"targets":[' .. table.concat(quoted, ",")
  .. '],"labels":{"run":"load"}}'

local rate = tonumber(os.getenv("QF_LOAD_RATE") or "0") or 0
local wrk_threads = tonumber(os.getenv("QF_LOAD_THREADS") or "1") or 1

-- Pacing: every request of this thread takes the next slot of a fixed schedule (one slot per interval_ms) and
-- waits for it; a connection whose slot has passed sends at once. wrk measures latency from the send.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } qf_timeval;
  int gettimeofday(qf_timeval *tv, void *tz);
]]
local clock = ffi.new("qf_timeval")
local function now_ms()
  ffi.C.gettimeofday(clock, nil)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_usec) / 1000
end
local interval_ms = rate > 0 and 1000 * wrk_threads / rate or 0
local next_slot = nil

if rate > 0 then
  function delay()
    local now = now_ms()
    if next_slot == nil or next_slot < now - 1000 then
      next_slot = now  -- the first request, or a second behind: start the schedule again rather than burst
    end
    local wait = next_slot - now
    next_slot = next_slot + interval_ms
    return wait > 0 and wait or 0
  end
end

-- per thread; collected in done() through each thread's own globals
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for status, count in pairs(seen) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    parts[#parts + 1] = status .. "=" .. count
  end
  table.sort(parts)
  io.write(string.format("statuses %s\n", table.concat(parts, " ")))
  io.write(string.format("latency_ms p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

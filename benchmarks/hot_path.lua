-- wrk script for benchmarks/hot_path.py: each wrk thread is one annotator on one connection, looping
-- POST /tasks/{id}/annotations?next=true (GET /next when it holds no task); or GET /ping for the trivial route.
-- Arguments after --: <tokens file> <mode: loop|ping> <project id> <first token index, 1-based>

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

function init(args)
  local tokens = {}
  for line in io.lines(args[1]) do table.insert(tokens, line) end
  mode = args[2]
  project = args[3]
  token = tokens[index + tonumber(args[4]) - 1]
  task = nil
  submits = 0
  errors = 0
  empty = 0
  body = '{"result":{"sentiment":"positive"}}'
  auth = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

function request()
  if mode == "ping" then
    return wrk.format("GET", "/ping")
  end
  if task == nil then
    return wrk.format("GET", "/api/v1/projects/" .. project .. "/next", auth)
  end
  return wrk.format("POST", "/api/v1/tasks/" .. task .. "/annotations?next=true", auth, body)
end

function response(status, headers, reply)
  if mode == "ping" then
    if status ~= 200 then errors = errors + 1 end
    return
  end
  if status == 201 then
    submits = submits + 1
  elseif status == 204 then
    empty = empty + 1
  elseif status ~= 200 then
    errors = errors + 1
  end
  task = string.match(reply or "", '"task":{"id":(%d+)')
end

function done(summary, latency, requests)
  local s, e, z = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("submits")
    e = e + t:get("errors")
    z = z + t:get("empty")
  end
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"submits":%d,"errors":%d,"empty":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, s, e, z,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end

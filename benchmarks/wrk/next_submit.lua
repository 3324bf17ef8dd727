-- One wrk thread per annotator: GET /next, then POST the answer to the task it returned, again and again.
-- Tokens come from the TOKENS environment variable (comma-separated), one per thread.
local tokens = {}
for token in string.gmatch(os.getenv("TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = token end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("token", tokens[((counter - 1) % #tokens) + 1])
end

local pending_task = nil
local next_path = "/api/v1/projects/" .. (os.getenv("PROJECT") or "1") .. "/next"
local answer = '{"result": {"sentiment": "positive"}}'

function request()
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if pending_task then
    local path = "/api/v1/tasks/" .. pending_task .. "/annotations"
    pending_task = nil
    return wrk.format("POST", path, headers, answer)
  end
  return wrk.format("GET", next_path, headers)
end

function response(status, headers, body)
  if status == 200 then
    pending_task = string.match(body, '"task":{"id":(%d+)')
  end
end

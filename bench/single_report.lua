-- wrk script: POST one new report per request, each with its own external_id and subject.
-- Each wrk thread numbers its requests from its own offset, so ids never repeat in a run.
local counter = 0
local offset = 0
local words = {"scam", "links", "crypto", "investment", "guaranteed", "returns", "verify",
  "your", "account", "they", "keep", "sending", "me", "messages", "about", "a", "fake",
  "giveaway", "and", "spam"}

function setup(thread)
  offset = offset + 1
  thread:set("offset", offset)
end

function init(args)
  run = args[1] or "run"
end

function request()
  counter = counter + 1
  local n = offset * 10000000 + counter
  local text = {}
  for i = 1, 40 do text[i] = words[((n + i) % #words) + 1] end
  local body = string.format(
    '{"source":"bench","external_id":"%s-%d","text":"%s",' ..
    '"reporter":{"kind":"user","id":"u%d"},' ..
    '"subject":{"kind":"account","id":"%s-acct-%d",' ..
    '"identifiers":[{"kind":"email","value":"user%d@example.com"}]},' ..
    '"region":"EU","language":"en","metadata":{"surface":"dm"}}',
    run, n, table.concat(text, " "), n % 977, run, n, n)
  return wrk.format("POST", "/api/v1/reports", nil, body)
end

function response(status, headers, body)
  if status ~= 201 and status ~= 200 and status ~= 202 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end

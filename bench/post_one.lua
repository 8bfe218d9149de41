-- wrk script for bench.ingest: POST /api/comentarios, one comment per request, a new UUID every time.
-- Environment: TOKEN, the access token; TEXTS, the comment texts, one per line (bench.ingest's TEXTS).
-- Each thread counts what it sent, what came back and how many answers were not 202; done() prints the sums
-- for bench.ingest to read.
local token = os.getenv("TOKEN") or ""
local texts = {}
for line in string.gmatch(os.getenv("TEXTS") or "comentário de teste", "[^\n]+") do table.insert(texts, line) end
local threads = {}
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("seed", thread_number)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + seed)
  sent, received, refused = 0, 0, 0
end

local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    return string.format("%x", c == "x" and math.random(0, 15) or math.random(8, 11))
  end))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function request()
  sent = sent + 1
  local body = string.format('{"id":"%s","texto":"%s #%d","artista":"Luna Ferraz"}',
    uuid4(), texts[sent % #texts + 1], sent)
  return wrk.format(nil, "/api/comentarios", nil, body)
end

function response(status, headers, body)
  received = received + 1
  if status ~= 202 then refused = refused + 1 end
end

function done(summary, latency, requests)
  local s, r, f = 0, 0, 0
  for _, thread in ipairs(threads) do
    s, r, f = s + thread:get("sent"), r + thread:get("received"), f + thread:get("refused")
  end
  io.write(string.format("alumusic sent=%d received=%d refused=%d p50_us=%d p99_us=%d\n",
    s, r, f, latency:percentile(50), latency:percentile(99)))
end

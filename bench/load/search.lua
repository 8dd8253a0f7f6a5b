-- wrk script: a mix of realistic searches of a passeur, rotating per request.
-- Counts status classes per thread; done() prints the totals and the p95.
local paths = {
  "/recherche/?quartier=breil-barberie&besoin=stage-de-3e",
  "/recherche/?quartier=nantes-nord&besoin=trouver-un-emploi",
  "/recherche/?quartier=bellevue-chantenay-sainte-anne&besoin=parcoursup-etudes-superieures",
  "/recherche/?quartier=malakoff-saint-donatien&besoin=decrochage-scolaire&sans_rdv=1",
  "/recherche/?lat=47.2184&lon=-1.5536&besoin=cv-lettre-de-motivation",
  "/recherche/?quartier=doulon-bottiere&q=stage+3e",
  "/recherche/?quartier=ile-de-nantes&besoin=handicap-et-orientation&rayon=0.5",
  "/recherche/?quartier=dervallieres-zola&besoin=apprentissage-alternance&public=jeunes-16-25",
  "/recherche/?quartier=nantes-erdre&besoin=demarches-en-ligne-numerique&ouvert=maintenant",
  "/recherche/?quartier=breil-barberie&besoin=choisir-son-orientation&page=2",
}
local extra = os.getenv("WRK_EXTRA_PATHS")
if extra then
  for path in string.gmatch(extra, "[^|]+") do table.insert(paths, path) end
end

-- WRK_FRESH=1: never-repeated searches, as from a resident's own position or a new desk:
-- the origin moves by about 0.1 m every request (each thread on its own track), so
-- no URL comes back and the page cache never answers.
local fresh = os.getenv("WRK_FRESH") == "1"
local origins = {
  {47.2361, -1.5770}, {47.2550, -1.5600}, {47.2050, -1.5900}, {47.2184, -1.5536},
}
local fresh_filters = {
  "besoin=stage-de-3e", "besoin=trouver-un-emploi", "besoin=cv-lettre-de-motivation&sans_rdv=1",
  "besoin=parcoursup-etudes-superieures", "q=stage+3e", "besoin=apprentissage-alternance&public=jeunes-16-25",
  "besoin=demarches-en-ligne-numerique&ouvert=maintenant", "besoin=choisir-son-orientation&page=2",
}

local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("track", #threads)
end

function init(args)
  ok, client_errors, server_errors = 0, 0, 0
end

function request()
  counter = counter + 1
  if fresh then
    local origin = origins[(counter % #origins) + 1]
    local step = counter * 1e-6
    local lat = origin[1] + step
    local lon = origin[2] + track * 1e-3
    local filters = fresh_filters[(counter % #fresh_filters) + 1]
    return wrk.format("GET", string.format("/recherche/?lat=%.6f&lon=%.6f&%s", lat, lon, filters))
  end
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  elseif status >= 400 then
    client_errors = client_errors + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local totals = { ok = 0, client_errors = 0, server_errors = 0 }
  for _, thread in ipairs(threads) do
    totals.ok = totals.ok + thread:get("ok")
    totals.client_errors = totals.client_errors + thread:get("client_errors")
    totals.server_errors = totals.server_errors + thread:get("server_errors")
  end
  io.write(string.format("RESULT requests=%d duration_s=%.1f rps=%.1f ok=%d status4xx=%d status5xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    totals.ok, totals.client_errors, totals.server_errors,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("RESULT p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

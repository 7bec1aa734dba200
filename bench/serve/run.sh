#!/usr/bin/env bash
# Load benchmark of `tally serve` (issue 6): a release build on loopback, driven by wrk.
#   bench/serve/run.sh [SECONDS] [WEBHOOK_CONNECTIONS] [BATCH_CONNECTIONS]
# Prints: tally append's batched rate on the same machine; batched HTTP ingest (100
# events a request); single signed Shopify deliveries (requests/s, latency percentiles,
# errors, and whether every 2xx delivery is in the journal).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
connections=${2:-32}
# Batched ingest is a throughput test: more requests in flight make larger groups per
# commit (32 connections: about 34k events/s; 128: about 43k/s on this machine).
batch_connections=${3:-128}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
swift build -c release --product tally >/dev/null
tally=$(swift build -c release --show-bin-path)/tally
work=$(mktemp -d /tmp/tally-serve-bench.XXXXXX)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
export TALLY_API_TOKEN=bench-token-0123456789 TALLY_SHOPIFY_SECRET=bench-secret WRK_THREADS=2
printf '[shopify]\ndefault_location = "online"\n[server]\nmax_body_bytes = 1048576\n[checkpoints]\nevery = 0\n' > "$work/tally.toml"
python3 bench/serve/make-load.py 400000 1000000 "$TALLY_SHOPIFY_SECRET" "$work/deliveries.tsv" "$work/events.ndjson"

echo "== tally append, batched (default batch), 1,000,000 events (about as many as the HTTP run below)"
"$tally" init --journal "$work/append.journal" >/dev/null
start=$(date +%s.%N)
"$tally" append --journal "$work/append.journal" --config "$work/tally.toml" "$work/events.ndjson" >/dev/null
end=$(date +%s.%N)
append_rate=$(python3 -c "print(round(1000000 / ($end - $start)))")
echo "append: $append_rate events/s"

serve() {
  "$tally" init --journal "$work/$1.journal" >/dev/null
  "$tally" serve --journal "$work/$1.journal" --config "$work/tally.toml" --port 0 2> "$work/$1.log" &
  server=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/$1.log" && break; sleep 0.1; done
  port=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/$1.log" | head -1 | sed 's/.*://')
}

echo "== POST /v1/events, 100 events a request, ${seconds}s, $batch_connections connections"
serve batches
wrk -t2 -c"$batch_connections" -d"${seconds}s" --latency -s bench/serve/batches.lua "http://127.0.0.1:$port" | tee "$work/batches.txt"
kill -TERM $server; wait $server || true
events=$("$tally" stats --journal "$work/batches.journal" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['events'])")
http_rate=$(python3 -c "print(round($events / $seconds))")
echo "batched HTTP: $events events in ${seconds}s = $http_rate events/s = $(python3 -c "print(round(100 * $http_rate / $append_rate))")% of append"

echo "== POST /v1/webhooks/shopify, one signed delivery a request, ${seconds}s, $connections connections"
serve webhooks
DELIVERIES="$work/deliveries.tsv" wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/serve/webhooks.lua "http://127.0.0.1:$port" | tee "$work/webhooks.txt"
kill -TERM $server; wait $server || true
journaled=$("$tally" stats --journal "$work/webhooks.journal" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['events'])")
requests=$(grep -o '^ *[0-9]* requests in' "$work/webhooks.txt" | grep -o '[0-9]*' | head -1)
non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/webhooks.txt" | grep -o '[0-9]*$' || echo 0)
ok=$(( requests - ${non2xx:-0} ))
# wrk counts the responses it read before its deadline; the server also finished the
# requests in flight then, so the journal may hold a few more than wrk's 2xx count.
if [ "$journaled" -ge "$ok" ]; then verdict="none lost"; else verdict="$(( ok - journaled )) LOST"; fi
echo "webhooks: $requests deliveries answered, ${non2xx:-0} non-2xx, $journaled events journaled ($verdict)"
"$tally" verify --journal "$work/webhooks.journal" | tail -1

#!/usr/bin/env bash
# One message to a mailing list (issue 17, part 3): RCPTS recipients across DOMAINS domains, delivered to a local
# sink MX, in one command. DNS comes from a private dnsmasq (as in bench/run.sh --checks: no resolv.conf, no
# hosts, answering only from its configuration): d0.list.test … d{DOMAINS-1}.list.test each have MX
# mx.list.test, which is 127.0.0.1; Tern asks it through [dns] servers and delivers to delivery.mx_port, where
# bench/sink.py accepts everything and counts connections and recipients per domain. Printed:
#   queue     the time for the client to hand over the message (RCPT pipelined in batches) and get its 250;
#   memory    heap after a full GC before the message and just after its 250 (per recipient), and the
#             process's peak RSS (VmHWM) at the end;
#   delivery  time from the 250 until the sink has every recipient, recipients per second, and the size of
#             the message's delivery state (spool/queue/ID.state) just after the 250;
#   reuse     connections the sink saw in all and per domain (min, mean, max).
#
#   bench/list-scale.sh [RCPTS [DOMAINS]]     # default 100000 recipients, 1000 domains
#   BENCH_SKIP_BUILD=1 bench/list-scale.sh 10000 100
# TIMEOUT (default 1800): seconds the delivery may take. BENCH_RESULTS: a file to which the figures are also
# appended as JSON lines, for bench/report.py (bench/all.sh sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
RCPTS="${1:-100000}"
DOMAINS="${2:-1000}"
TIMEOUT="${TIMEOUT:-1800}"
JAVA="${JAVA:-$(bench_java)}" || { echo "list-scale: no JDK 21+ under /usr/lib/jvm" >&2; exit 2; }
JCMD="$(dirname "$JAVA")/jcmd"
command -v dnsmasq >/dev/null 2>&1 || bench_install "$(mktemp /tmp/list-scale-apt.XXXXXX)" dnsmasq-base \
    || { echo "list-scale: needs dnsmasq (Debian: dnsmasq-base)" >&2; exit 2; }
JAR="${TERN_JAR:-server/target/tern.jar}"
[ -n "${BENCH_SKIP_BUILD:-}" ] || ./mvnw -B -q -pl server package -DskipTests >/dev/null
WORK="$(mktemp -d /tmp/tern-list-scale.XXXXXX)"
chmod 755 "$WORK"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

DNS_PORT=$(bench_free_port); MX_PORT=$(bench_free_port)
{
    echo "host-record=mx.list.test,127.0.0.1"
    for ((d = 0; d < DOMAINS; d++)); do echo "mx-host=d$d.list.test,mx.list.test,10"; done
} >"$WORK/dnsmasq.conf"
dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --port "$DNS_PORT" --listen-address 127.0.0.1 \
    --bind-interfaces --pid-file= --user=nobody --group=nogroup --local=/test/ --local-ttl=300 \
    --conf-file="$WORK/dnsmasq.conf" >"$WORK/dnsmasq.log" 2>&1 &
PIDS+=($!)
python3 bench/sink.py --port "$MX_PORT" --stats "$WORK/sink.json" --timeout "$((TIMEOUT + 120))" &
SINK=$!
PIDS+=($SINK)

{
    bench_toml "$WORK/data"
    bench_flood_limits
    cat <<TOML
max_recipients = 100000
[relay]
trusted_networks = ["127.0.0.0/8"]
[dns]
servers = ["127.0.0.1:$DNS_PORT"]
[delivery]
mx_port = $MX_PORT
TOML
} >"$WORK/tern.toml"
"$JAVA" ${TERN_JAVA_OPTS:-} -jar "$JAR" serve --config "$WORK/tern.toml" >"$WORK/tern.out" 2>&1 &
TERN=$!
PIDS+=($TERN)
bench_ready "$WORK/tern.out" "$TERN" 120 || { echo "list-scale: tern died or was not ready after 120 s" >&2; exit 1; }
SMTP=$(bench_smtp_port "$WORK/tern.out")
[ -s "$WORK/sink.json" ] || sleep 1

heap_kb() {
    # the live objects after the full GC that the histogram makes (heap_info's "used" counts whole regions)
    "$JCMD" "$TERN" GC.class_histogram | awk '$1 == "Total" { print int($3 / 1024) }'
}

LOAD0="$(bench_load)"
echo "list-scale: 1 message of 1 KB to $RCPTS recipients across $DOMAINS domains; $(date -u '+%Y-%m-%d %H:%M UTC'), load $LOAD0, $(nproc) cores"
BEFORE=$(heap_kb)
c0=$(bench_cpu_ms "$TERN")
t0=$(bench_now_ms)
ID=$(python3 - "$SMTP" "$RCPTS" "$DOMAINS" <<'PY'
import socket, sys
port, n, domains = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=300)
f = s.makefile("rb")
def reply():
    while True:
        line = f.readline()
        if not line:
            raise SystemExit("connection closed")
        if line[3:4] != b"-":
            return line
def expect(code):
    r = reply()
    if not r.startswith(code):
        raise SystemExit("expected %s, got %r" % (code, r))
    return r
expect(b"220")
s.sendall(b"EHLO list.example\r\n"); expect(b"250")
s.sendall(b"MAIL FROM:<list@example.test>\r\n"); expect(b"250")
batch = 1000
for start in range(0, n, batch):
    cmds = b"".join(b"RCPT TO:<u%d@d%d.list.test>\r\n" % (i, i % domains) for i in range(start, min(n, start + batch)))
    s.sendall(cmds)
    for _ in range(start, min(n, start + batch)):
        expect(b"250")
s.sendall(b"DATA\r\n"); expect(b"354")
body = b"From: list@example.test\r\nSubject: list mail\r\n\r\n" + b"x" * 70 + b"\r\n"
body += (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n" * 12)
s.sendall(body + b".\r\n")
r = expect(b"250")
s.sendall(b"QUIT\r\n")
print(r.decode().rsplit(" ", 1)[-1].strip())
PY
)
t1=$(bench_now_ms)
c1=$(bench_cpu_ms "$TERN")
AFTER=$(heap_kb)
STATE=$(stat -c %s "$WORK/data/spool/queue/$ID.state" 2>/dev/null || echo 0)
printf 'queue     %d recipients handed over and queued (%s) in %d ms, %d ms of Tern CPU; its ID.state %d bytes\n' \
    "$RCPTS" "$ID" $((t1 - t0)) $((c1 - c0)) "$STATE"
printf 'memory    live heap %d KB before, %d KB just after the 250: %d bytes per recipient (delivery under way)\n' \
    "$BEFORE" "$AFTER" $(( (AFTER - BEFORE) * 1024 / RCPTS ))
bench_record "{\"test\":\"list-scale\",\"recipients\":$RCPTS,\"domains\":$DOMAINS,\"handover_ms\":$((t1 - t0)),\"handover_cpu_ms\":$((c1 - c0)),\"state_bytes\":$STATE,\"heap_before_kb\":$BEFORE,\"heap_after_kb\":$AFTER,\"load_start\":\"$LOAD0\"}"

done_rcpts=0
for _ in $(seq 1 $((TIMEOUT * 2))); do
    kill -USR1 "$SINK"
    sleep 0.5
    done_rcpts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["recipients"])' "$WORK/sink.json")
    [ "$done_rcpts" -ge "$RCPTS" ] && break
    kill -0 "$TERN" 2>/dev/null || { echo "list-scale: tern died" >&2; exit 1; }
done
c2=$(bench_cpu_ms "$TERN")
python3 - "$WORK/sink.json" "$t1" "$RCPTS" "$DOMAINS" "$WORK/tern.out" "$TERN" "$(bench_load)" $((c2 - c1)) <<'PY'
import json, os, sys
st = json.load(open(sys.argv[1]))
t1, n, domains = int(sys.argv[2]) / 1000, int(sys.argv[3]), int(sys.argv[4])
took = (st["last_data"] or t1) - t1
sent = sum(1 for l in open(sys.argv[5], errors="replace") if "status=sent" in l)
hwm = [l.split()[1] for l in open("/proc/%s/status" % sys.argv[6]) if l.startswith("VmHWM")]
print("delivery  %d of %d recipients at the sink (%d status=sent lines) in %.1f s after the 250: %.0f recipients/s, "
      "%s ms of Tern CPU (heap weighing included); load %s"
      % (st["recipients"], n, sent, took, st["recipients"] / max(took, 1e-3), sys.argv[8], sys.argv[7]))
print("reuse     %d connections, %d transactions for %d domains: per domain min %d, mean %.2f, max %d"
      % (st["connections"], st["transactions"], st["domains"], st["conns_per_domain_min"],
         st["conns_per_domain_mean"], st["conns_per_domain_max"]))
print("memory    peak RSS (VmHWM) %s KB" % (hwm[0] if hwm else "?"))
if os.environ.get("BENCH_RESULTS"):
    with open(os.environ["BENCH_RESULTS"], "a") as f:
        print(json.dumps({"test": "list-scale", "delivered": st["recipients"], "status_sent": sent,
                          "delivery_s": round(took, 2), "delivery_cpu_ms": int(sys.argv[8]),
                          "connections": st["connections"], "transactions": st["transactions"],
                          "sink_domains": st["domains"], "conns_per_domain_min": st["conns_per_domain_min"],
                          "conns_per_domain_mean": st["conns_per_domain_mean"],
                          "conns_per_domain_max": st["conns_per_domain_max"],
                          "peak_rss_kb": int(hwm[0]) if hwm else None, "load_end": sys.argv[7]}), file=f)
PY

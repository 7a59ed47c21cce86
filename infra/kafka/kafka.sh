#!/usr/bin/env bash
# Local Apache Kafka (KRaft) without Docker: one node (broker+controller in one JVM, the
# default), or with KAFKA_NODES=3 a three-node cluster as in production (three JVMs, each
# broker+controller, the three controllers one quorum; replication 3, min.insync.replicas 2).
#
#   infra/kafka/kafka.sh start    fetch the classpath once, format storage once, start, wait until ready
#   infra/kafka/kafka.sh stop     SIGTERM, wait up to KAFKA_STOP_TIMEOUT (30 s), then SIGKILL
#   infra/kafka/kafka.sh status   exit 0 when every node started by this script runs, 3 otherwise
#   infra/kafka/kafka.sh logs     tail the broker log (`logs -f` follows, KAFKA_LOG_LINES=100;
#                                 cluster: `logs N [-f]` for node N)
#   infra/kafka/kafka.sh reset    stop, then delete the data dir (topics, offsets, cluster id)
#   infra/kafka/kafka.sh kill N        cluster only: SIGKILL node N (a crash, for drills)
#   infra/kafka/kafka.sh start-node N  cluster only: start node N again, wait until it is ready
#
# Environment (all optional):
#   KAFKA_NODES=1                1, or 3 for the cluster; node N (1..3) then uses the ports
#                                below + N-1 and the data dir's node-N/ folder
#   KAFKA_PORT=9092              client listener (PLAINTEXT://127.0.0.1:$KAFKA_PORT);
#                                cluster default 29092 (nodes on 29092, 29093, 29094)
#   KAFKA_CONTROLLER_PORT=9093   KRaft controller listener; clients must never use it;
#                                cluster default 29192 (29192-29194)
#   KAFKA_DATA_DIR=<here>/run    server.properties, cluster id, pid file, log and topic data;
#                                cluster default <here>/run-cluster
#   KAFKA_RETENTION_HOURS=8760   log.retention.hours, the broker's default. One year on purpose:
#                                this is the event replay window; every event from the last
#                                year can be re-read from offset 0 (size-based retention stays
#                                off). The contract's topics carry their own retention.ms, set
#                                by the services when they create them and again at every
#                                start (packages/schema/src/topics.ts, topicRetentionMs):
#                                internal and public topics a year, dead-letter topics 30 days
#                                (raw messages that may hold personal data); this default
#                                governs only other topics.
#   KAFKA_START_TIMEOUT=90       seconds to wait for "Kafka Server started" + an open port
#                                (cluster: 180, for every node)
#   KAFKA_STOP_TIMEOUT=30        seconds to wait after SIGTERM before SIGKILL
#   KAFKA_HEAP_OPTS="-Xms256m -Xmx512m"   per JVM (cluster: "-Xms256m -Xmx384m" each);
#   KAFKA_JVM_OPTS (extra JVM flags)
#   KAFKA_DATA_RESET=1           with `stop`: also delete the data dir (same as `reset`)
#   KAFKA_EXTRA_PROPERTIES=      lines appended to server.properties (a later key wins), e.g. a
#                                SASL listener for test/kafka-sasl.int.test.ts; unset: none
#   KAFKA_FORMAT_ARGS=           extra arguments of the storage format, e.g. --add-scram ...
#   MVN=mvn                      Maven used to fill libs/ from pom.xml
#
# Timings here (2 cores): first start ~4-6 s (Maven copy + format + boot), later starts
# ~2.2 s, stop ~0.6 s. After a crash or SIGKILL the next start takes ~12 s: the controller
# keeps the dead incarnation's registration until broker.session.timeout.ms (9 s) expires.
# Cluster: the three nodes start together (a node is ready only once a quorum of controllers
# answers): ~30 s on this machine under load, ~90 s when it is very busy; stop ~8 s. After `kill N`, N's partitions get new leaders and N leaves their ISR once the
# controller fences it (broker.session.timeout.ms, 9 s, Kafka's default as in production);
# `start-node N` brings it back, and it rejoins the ISR once its replicas have caught up.
#
# Every path is resolved from this script's own directory, so it works from any cwd.
# Generated: libs/ (runtime classpath, re-fetched only when pom.xml changes), run/ and
# run-cluster/ (or KAFKA_DATA_DIR); all are git-ignored.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
POM="$HERE/pom.xml"
LOG4J_CONF="$HERE/log4j2.xml"
LIBS="$HERE/libs"
LIBS_STAMP="$LIBS/.pom.sha256"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

NODES="${KAFKA_NODES:-1}"
case "$NODES" in
  1) CLUSTER=0 ;;
  3) CLUSTER=1 ;;
  *) die "KAFKA_NODES must be 1 or 3 (got '$NODES')" ;;
esac

if ((CLUSTER)); then
  DATA="${KAFKA_DATA_DIR:-$HERE/run-cluster}"
  BASE_PORT="${KAFKA_PORT:-29092}"
  BASE_CPORT="${KAFKA_CONTROLLER_PORT:-29192}"
  START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
  HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx384m}"
else
  DATA="${KAFKA_DATA_DIR:-$HERE/run}"
  BASE_PORT="${KAFKA_PORT:-9092}"
  BASE_CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
  START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
  HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
fi
case "$DATA" in /*) ;; *) DATA="$PWD/$DATA" ;; esac
DATA="${DATA%/}"
DATA_MARKER="$DATA/.kafka-sh-data"   # reset only deletes dirs that carry this marker
CLUSTER_ID_FILE="$DATA/cluster.id"
LOCK_FILE="$DATA/.lock"

HOST=127.0.0.1
RETENTION_HOURS="${KAFKA_RETENTION_HOURS:-8760}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
MVN="${MVN:-mvn}"

# The node the per-node functions below act on: its ports and files. A single node keeps
# its files at the top of the data dir (as it always has); cluster node N in node-N/.
select_node() { # N
  NODE="$1"
  local dir="$DATA"
  ((CLUSTER)) && dir="$DATA/node-$NODE"
  NODE_DIR="$dir"
  PROPS="$dir/server.properties"
  PID_FILE="$dir/kafka.pid"
  LOG_FILE="$dir/kafka.log"
  LOG_DIRS="$dir/data"
  PORT=$((BASE_PORT + NODE - 1))
  CPORT=$((BASE_CPORT + NODE - 1))
}
select_node 1

node_arg() { # the N of `kill N` / `start-node N` / `logs N`
  ((CLUSTER)) || die "'$CMD' needs the cluster (KAFKA_NODES=3)"
  [[ "${1:-}" =~ ^[1-9]$ ]] && (($1 <= NODES)) || die "'$CMD' needs a node number from 1 to $NODES"
  printf '%s\n' "$1"
}

# Serialise start/stop/reset (e.g. CI script and a test globalSetup racing each other).
# The lock fd (9) is closed for the broker process so the lock does not outlive this script.
take_lock() {
  mkdir -p "$DATA"
  exec 9>"$LOCK_FILE"
  if command -v flock >/dev/null 2>&1; then
    flock -w "$((START_TIMEOUT + STOP_TIMEOUT + 30))" 9 || die "could not lock $LOCK_FILE"
  fi
}

port_open() { # host port
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

# alive = exists and is not a zombie (a broker that died while this script still is its
# parent stays a zombie until the script exits, and kill -0 succeeds on zombies)
alive() { # pid
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z ]]
}

# pid of the selected node's broker, if this script started it and it is alive (checks the
# cmdline, not just the pid)
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  alive "$pid" || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "kafka.Kafka $PROPS" || return 1
  fi
  printf '%s\n' "$pid"
}

kafka_version() {
  local jar
  jar="$(ls "$LIBS"/kafka_2.13-*.jar 2>/dev/null | head -n 1 || true)"
  jar="${jar##*/kafka_2.13-}"
  printf '%s\n' "${jar%.jar}"
}

bootstrap() { # every node's client listener
  local n list=""
  for ((n = 1; n <= NODES; n++)); do list+="${list:+,}$HOST:$((BASE_PORT + n - 1))"; done
  printf '%s\n' "$list"
}

ready_line() {
  if ((CLUSTER)); then
    say "ready on $(bootstrap) (Apache Kafka $(kafka_version), KRaft, $NODES nodes)"
  else
    say "ready on $HOST:$PORT (Apache Kafka $(kafka_version), KRaft)"
  fi
}

ensure_libs() {
  [[ -f "$POM" ]] || die "missing $POM"
  local sum
  sum="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$LIBS_STAMP" && "$(cat "$LIBS_STAMP")" == "$sum" ]] && compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "'$MVN' not found (needed once to fetch the Kafka jars into $LIBS)"
  say "fetching the runtime classpath from pom.xml into $LIBS (once per pom change)"
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  local mvn_log
  mvn_log="$(mktemp)"
  if ! "$MVN" -B -q -Dstyle.color=never -f "$POM" "$DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" </dev/null >"$mvn_log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$mvn_log" >&2
    rm -f "$mvn_log"
    die "maven could not copy the dependencies of $POM"
  fi
  rm -f "$mvn_log"
  compgen -G "$LIBS/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $LIBS after copy-dependencies"
  printf '%s\n' "$sum" >"$LIBS_STAMP"
}

ensure_cluster_id() {
  if [[ -s "$CLUSTER_ID_FILE" ]]; then return 0; fi
  # 16 random bytes, base64url without padding = 22 chars (what `StorageTool random-uuid` prints;
  # like Kafka's Uuid.randomUuid, never start with '-').
  local id=""
  while [[ -z "$id" || "$id" == -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  printf '%s\n' "$id" >"$CLUSTER_ID_FILE"
}

write_props() {
  mkdir -p "$LOG_DIRS"
  local voters n replicas min_isr
  if ((CLUSTER)); then
    voters=""
    for ((n = 1; n <= NODES; n++)); do voters+="${voters:+,}$n@$HOST:$((BASE_CPORT + n - 1))"; done
    replicas=3
    min_isr=2
  else
    voters="1@$HOST:$CPORT"
    replicas=1
    min_isr=1
  fi
  cat >"$PROPS.tmp" <<PROPERTIES
# Generated by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=$NODE
controller.quorum.voters=$voters
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$LOG_DIRS
num.partitions=3
default.replication.factor=$replicas
min.insync.replicas=$min_isr
auto.create.topics.enable=false

# internal topics: on every node of the cluster, or the one node
offsets.topic.replication.factor=$replicas
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr

# the first consumer-group join must not wait the default 3 s
group.initial.rebalance.delay.ms=0

# replay window: keep every event for KAFKA_RETENTION_HOURS (default 8760 h = one year)
log.retention.hours=$RETENTION_HOURS
log.retention.bytes=-1
PROPERTIES
  [[ -z "${KAFKA_EXTRA_PROPERTIES:-}" ]] || printf '\n%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$PROPS.tmp"
  mv "$PROPS.tmp" "$PROPS"
}

format_storage() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return 0
  say "formatting storage in $LOG_DIRS (cluster id $(cat "$CLUSTER_ID_FILE"))"
  local -a extra=()
  read -ra extra <<<"${KAFKA_FORMAT_ARGS:-}"   # split on blanks, never globbed
  # a short-lived tool: the C1 compiler alone starts it faster
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" \
    kafka.tools.StorageTool format -t "$(cat "$CLUSTER_ID_FILE")" -c "$PROPS" --ignore-formatted ${extra[@]+"${extra[@]}"} \
    </dev/null >"$NODE_DIR/format.log" 2>&1 || { cat "$NODE_DIR/format.log" >&2; die "storage format failed"; }
}

# Launches the selected node's JVM (props written, storage formatted) and records its pid;
# does not wait for it.
launch() {
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$LOG_FILE"
  # shellcheck disable=SC2086  # HEAP_OPTS / KAFKA_JVM_OPTS are word lists on purpose
  (cd "$NODE_DIR" && exec nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java $HEAP_OPTS -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true ${KAFKA_JVM_OPTS:-} \
    -Dlog4j2.configurationFile="$LOG4J_CONF" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$LOG_FILE" 2>&1 9>&-) &
  local launcher=$! i pid
  for i in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  pid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || pid="$launcher"
  printf '%s\n' "$pid" >"$PID_FILE"
  local label="started"
  ((CLUSTER)) && label="node $NODE started"
  say "$label pid $pid, waiting for it (log: $LOG_FILE)"
}

# Waits until the selected node is ready; if it dies or times out, start_failed stops it
# (and what this start launched) and exits 1.
wait_ready() { # pid
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      say "broker process $pid exited during startup; last log lines:" >&2
      tail -n 60 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      start_failed
    fi
    if grep -qF 'Kafka Server started' "$LOG_FILE" 2>/dev/null && port_open "$HOST" "$PORT"; then
      return 0
    fi
    sleep 0.5
  done
  say "not ready after ${START_TIMEOUT}s (see $LOG_FILE); last log lines:" >&2
  tail -n 60 "$LOG_FILE" >&2 || true
  start_failed
}

LAUNCHED=()
start_failed() { # stops the node that failed and every node this start launched
  local n pid
  for n in "$NODE" "${LAUNCHED[@]}"; do
    select_node "$n"
    if pid="$(running_pid)"; then
      say "stopping the half-started broker (pid $pid)" >&2
      PORTS_TO_CLOSE=("$PORT" "$CPORT")
      stop_pids "$pid" >&2
    fi
    rm -f "$PID_FILE"
  done
  exit 1
}

# Starts the given nodes that are not running (the cluster's nodes all at once: none is
# ready before a quorum of controllers is), then waits until each is ready.
start_nodes() { # N...
  command -v java >/dev/null 2>&1 || die "java not found (Java 17+ is needed)"
  take_lock
  local n pid t0="${EPOCHREALTIME/[.,]/}" pending=()
  for n in "$@"; do
    select_node "$n"
    if pid="$(running_pid)"; then
      if ((CLUSTER)); then say "node $n already running (pid $pid, started by this script)"; else say "already running (pid $pid, started by this script)"; fi
      continue
    fi
    rm -f "$PID_FILE"
    if port_open "$HOST" "$PORT"; then
      ((CLUSTER)) && die "port $HOST:$PORT of node $n is taken by another process; set KAFKA_PORT"
      say "something already answers on $HOST:$PORT (not started by this script); not starting a second broker"
      exit 0
    fi
    if port_open "$HOST" "$CPORT"; then
      die "controller port $HOST:$CPORT is taken by another process; set KAFKA_CONTROLLER_PORT"
    fi
    pending+=("$n")
  done
  if ((${#pending[@]} > 0)); then
    ensure_libs
    touch "$DATA_MARKER"
    ensure_cluster_id
    # format side by side: each is a JVM of its own, and the cluster's nodes wait for each other anyway
    local formats=()
    for n in "${pending[@]}"; do
      select_node "$n"
      write_props
      format_storage &
      formats+=("$!")
    done
    for pid in "${formats[@]}"; do wait "$pid" || die "storage format failed"; done
    for n in "${pending[@]}"; do
      select_node "$n"
      LAUNCHED+=("$n")
      launch
    done
  fi
  for n in "$@"; do
    select_node "$n"
    pid="$(running_pid)" || { say "node $n is not running" >&2; start_failed; }
    wait_ready "$pid"
  done
  if ((${#pending[@]} > 0)); then
    local dt=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
    say "up in $((dt / 1000)).$(printf '%03d' $((dt % 1000)))s"
  fi
}

all_nodes() { seq 1 "$NODES"; }

cmd_start() {
  # shellcheck disable=SC2046
  start_nodes $(all_nodes)
  ready_line
}

cmd_start_node() { # N
  local n
  n="$(node_arg "${1:-}")"
  start_nodes "$n"
  say "node $n ready on $HOST:$((BASE_PORT + n - 1))"
}

# SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; then wait (bounded) until the selected
# nodes' ports are closed. Several pids are stopped at once: a cluster node shutting down
# while the others wait their turn could lose the controller quorum it needs to leave.
stop_pids() { # pid...
  local pid deadline=$((SECONDS + STOP_TIMEOUT)) left
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  while ((SECONDS < deadline)); do
    left=0
    for pid in "$@"; do alive "$pid" && left=1; done
    ((left)) || break
    sleep 0.2
  done
  for pid in "$@"; do
    if alive "$pid"; then
      say "pid $pid still running after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for pid in "$@"; do while alive "$pid"; do sleep 0.1; done; done
  wait_ports_closed
}

# a killed JVM's main thread can turn zombie while its other threads still hold the
# listening sockets: wait (bounded) until the selected nodes' ports are really closed
PORTS_TO_CLOSE=()
wait_ports_closed() {
  local i p open
  for i in $(seq 1 50); do
    open=0
    for p in "${PORTS_TO_CLOSE[@]}"; do port_open "$HOST" "$p" && open=1; done
    ((open)) || break
    sleep 0.1
  done
  PORTS_TO_CLOSE=()
}

cmd_stop() {
  take_lock
  local n pid pids=()
  for n in $(all_nodes); do
    select_node "$n"
    if pid="$(running_pid)"; then
      pids+=("$pid")
      PORTS_TO_CLOSE+=("$PORT" "$CPORT")
    fi
  done
  if ((${#pids[@]} > 0)); then
    say "stopping pid ${pids[*]}"
    stop_pids "${pids[@]}"
    say "stopped"
  else
    say "not running"
  fi
  for n in $(all_nodes); do select_node "$n"; rm -f "$PID_FILE"; done
  if [[ "${KAFKA_DATA_RESET:-0}" == 1 ]]; then
    delete_data
  fi
}

cmd_kill() { # N
  local n pid
  n="$(node_arg "${1:-}")"
  take_lock
  select_node "$n"
  pid="$(running_pid)" || die "node $n is not running"
  kill -KILL "$pid"
  while alive "$pid"; do sleep 0.1; done
  PORTS_TO_CLOSE=("$PORT" "$CPORT")
  wait_ports_closed
  rm -f "$PID_FILE"
  say "node $n (pid $pid) killed with SIGKILL"
}

delete_data() {
  if [[ "$DATA" != "$HERE/run" && "$DATA" != "$HERE/run-cluster" && ! -f "$DATA_MARKER" ]] &&
    [[ -n "$(find "$DATA" -mindepth 1 -maxdepth 1 ! -name .lock -print -quit 2>/dev/null)" ]]; then
    die "refusing to delete $DATA: not a data dir made by kafka.sh (no ${DATA_MARKER##*/} marker)"
  fi
  rm -rf "$DATA"
  say "deleted data dir $DATA"
}

cmd_reset() {
  KAFKA_DATA_RESET=1 cmd_stop
}

cmd_status() {
  local n pid up=0 prefix=""
  for n in $(all_nodes); do
    select_node "$n"
    ((CLUSTER)) && prefix="node $n: "
    if pid="$(running_pid)"; then
      if port_open "$HOST" "$PORT"; then
        say "${prefix}running (pid $pid) on $HOST:$PORT, data in $NODE_DIR"
        up=$((up + 1))
      else
        say "${prefix}starting (pid $pid), $HOST:$PORT not open yet"
        ((CLUSTER)) || return 0
      fi
    elif port_open "$HOST" "$PORT"; then
      say "${prefix}not started by this script, but something answers on $HOST:$PORT"
    else
      say "${prefix}not running"
    fi
  done
  ((up == NODES)) || return 3
}

cmd_logs() {
  if ((CLUSTER)); then
    local n
    n="$(node_arg "${1:-}")"
    select_node "$n"
    shift
  fi
  [[ -f "$LOG_FILE" ]] || die "no log yet ($LOG_FILE)"
  if [[ "${1:-}" == "-f" ]]; then
    exec tail -n "${KAFKA_LOG_LINES:-100}" -F "$LOG_FILE"
  fi
  tail -n "${KAFKA_LOG_LINES:-100}" "$LOG_FILE"
}

usage() {
  sed -n '2,/^# Environment/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

CMD="${1:-}"
case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  reset) cmd_reset ;;
  kill) cmd_kill "${2:-}" ;;
  start-node) cmd_start_node "${2:-}" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac

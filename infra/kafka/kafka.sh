#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller in one JVM) without Docker.
#
#   infra/kafka/kafka.sh start    fetch the classpath once, format storage once, start, wait until ready
#   infra/kafka/kafka.sh stop     SIGTERM, wait up to KAFKA_STOP_TIMEOUT (30 s), then SIGKILL
#   infra/kafka/kafka.sh status   exit 0 when a broker started by this script runs, 3 otherwise
#   infra/kafka/kafka.sh logs     tail the broker log (`logs -f` follows, KAFKA_LOG_LINES=100)
#   infra/kafka/kafka.sh reset    stop, then delete the data dir (topics, offsets, cluster id)
#
# Environment (all optional):
#   KAFKA_PORT=9092              client listener (PLAINTEXT://127.0.0.1:$KAFKA_PORT)
#   KAFKA_CONTROLLER_PORT=9093   KRaft controller listener; clients must never use it
#   KAFKA_DATA_DIR=<here>/run    server.properties, cluster id, pid file, log and topic data
#   KAFKA_RETENTION_HOURS=8760   log.retention.hours. One year on purpose: this is the
#                                event replay window; every event from the last year can be
#                                re-read from offset 0 (size-based retention stays off).
#   KAFKA_START_TIMEOUT=90       seconds to wait for "Kafka Server started" + an open port
#   KAFKA_STOP_TIMEOUT=30        seconds to wait after SIGTERM before SIGKILL
#   KAFKA_HEAP_OPTS="-Xms256m -Xmx512m"   KAFKA_JVM_OPTS (extra JVM flags)
#   KAFKA_DATA_RESET=1           with `stop`: also delete the data dir (same as `reset`)
#   KAFKA_EXTRA_PROPERTIES=      lines appended to server.properties (a later key wins), e.g. a
#                                SASL listener for test/kafka-sasl.int.test.ts; unset: none
#   KAFKA_FORMAT_ARGS=           extra arguments of the storage format, e.g. --add-scram ...
#   MVN=mvn                      Maven used to fill libs/ from pom.xml
#
# Timings here (2 cores): first start ~4-6 s (Maven copy + format + boot), later starts
# ~2.2 s, stop ~0.6 s. After a crash or SIGKILL the next start takes ~12 s: the controller
# keeps the dead incarnation's registration until broker.session.timeout.ms (9 s) expires.
#
# Every path is resolved from this script's own directory, so it works from any cwd.
# Generated: libs/ (runtime classpath, re-fetched only when pom.xml changes) and
# run/ (or KAFKA_DATA_DIR); both are git-ignored.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
POM="$HERE/pom.xml"
LOG4J_CONF="$HERE/log4j2.xml"
LIBS="$HERE/libs"
LIBS_STAMP="$LIBS/.pom.sha256"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

DATA="${KAFKA_DATA_DIR:-$HERE/run}"
case "$DATA" in /*) ;; *) DATA="$PWD/$DATA" ;; esac
DATA="${DATA%/}"
DATA_MARKER="$DATA/.kafka-sh-data"   # reset only deletes dirs that carry this marker
PROPS="$DATA/server.properties"
CLUSTER_ID_FILE="$DATA/cluster.id"
PID_FILE="$DATA/kafka.pid"
LOG_FILE="$DATA/kafka.log"
LOCK_FILE="$DATA/.lock"
LOG_DIRS="$DATA/data"

HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
RETENTION_HOURS="${KAFKA_RETENTION_HOURS:-8760}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
MVN="${MVN:-mvn}"

say() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

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

# pid of the broker this script started, if it is alive (checks the cmdline, not just the pid)
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

ready_line() { say "ready on $HOST:$PORT (Apache Kafka $(kafka_version), KRaft)"; }

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
  cat >"$PROPS.tmp" <<EOF
# Generated by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$LOG_DIRS
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false

# single node: internal topics with one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# the first consumer-group join must not wait the default 3 s
group.initial.rebalance.delay.ms=0

# replay window: keep every event for KAFKA_RETENTION_HOURS (default 8760 h = one year)
log.retention.hours=$RETENTION_HOURS
log.retention.bytes=-1
EOF
  [[ -z "${KAFKA_EXTRA_PROPERTIES:-}" ]] || printf '\n%s\n' "$KAFKA_EXTRA_PROPERTIES" >>"$PROPS.tmp"
  mv "$PROPS.tmp" "$PROPS"
}

format_storage() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return 0
  say "formatting storage in $LOG_DIRS (cluster id $(cat "$CLUSTER_ID_FILE"))"
  local -a extra=()
  read -ra extra <<<"${KAFKA_FORMAT_ARGS:-}"   # split on blanks, never globbed
  java -Xmx256m -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" \
    kafka.tools.StorageTool format -t "$(cat "$CLUSTER_ID_FILE")" -c "$PROPS" --ignore-formatted ${extra[@]+"${extra[@]}"} \
    </dev/null >"$DATA/format.log" 2>&1 || { cat "$DATA/format.log" >&2; die "storage format failed"; }
}

wait_ready() { # pid
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      say "broker process $pid exited during startup; last log lines:" >&2
      tail -n 60 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      exit 1
    fi
    if grep -qF 'Kafka Server started' "$LOG_FILE" 2>/dev/null && port_open "$HOST" "$PORT"; then
      return 0
    fi
    sleep 0.5
  done
  say "not ready after ${START_TIMEOUT}s (see $LOG_FILE); last log lines:" >&2
  tail -n 60 "$LOG_FILE" >&2 || true
  say "stopping the half-started broker (pid $pid)" >&2
  stop_pid "$pid" >&2
  rm -f "$PID_FILE"
  exit 1
}

cmd_start() {
  command -v java >/dev/null 2>&1 || die "java not found (Java 17+ is needed)"
  take_lock
  local pid
  if pid="$(running_pid)"; then
    say "already running (pid $pid, started by this script)"
    wait_ready "$pid"
    ready_line
    return 0
  fi
  rm -f "$PID_FILE"
  if port_open "$HOST" "$PORT"; then
    say "something already answers on $HOST:$PORT (not started by this script); not starting a second broker"
    return 0
  fi
  if port_open "$HOST" "$CPORT"; then
    die "controller port $HOST:$CPORT is taken by another process; set KAFKA_CONTROLLER_PORT"
  fi

  local t0="${EPOCHREALTIME/[.,]/}"
  ensure_libs
  touch "$DATA_MARKER"
  ensure_cluster_id
  write_props
  format_storage

  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  : >"$LOG_FILE"
  cd "$DATA"
  # shellcheck disable=SC2086  # HEAP_OPTS / KAFKA_JVM_OPTS are word lists on purpose
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java $HEAP_OPTS -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true ${KAFKA_JVM_OPTS:-} \
    -Dlog4j2.configurationFile="$LOG4J_CONF" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  local launcher=$!
  local i
  for i in $(seq 1 50); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done
  pid="$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] || pid="$launcher"
  printf '%s\n' "$pid" >"$PID_FILE"
  say "started pid $pid, waiting for it (log: $LOG_FILE)"
  wait_ready "$pid"
  local dt=$(( (${EPOCHREALTIME/[.,]/} - t0) / 1000 ))
  say "up in $((dt / 1000)).$(printf '%03d' $((dt % 1000)))s"
  ready_line
}

stop_pid() { # pid: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then
    say "pid $pid still running after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  # a killed JVM's main thread can turn zombie while its other threads still hold the
  # listening sockets: wait (bounded) until both ports are really closed
  local i
  for i in $(seq 1 50); do
    port_open "$HOST" "$PORT" || port_open "$HOST" "$CPORT" || break
    sleep 0.1
  done
}

cmd_stop() {
  take_lock
  local pid
  if pid="$(running_pid)"; then
    say "stopping pid $pid"
    stop_pid "$pid"
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$PID_FILE"
  if [[ "${KAFKA_DATA_RESET:-0}" == 1 ]]; then
    delete_data
  fi
}

delete_data() {
  if [[ "$DATA" != "$HERE/run" && ! -f "$DATA_MARKER" ]] &&
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
  local pid
  if [[ -f "$PID_FILE" ]] && pid="$(running_pid)"; then
    if port_open "$HOST" "$PORT"; then
      say "running (pid $pid) on $HOST:$PORT, data in $DATA"
    else
      say "starting (pid $pid), $HOST:$PORT not open yet"
    fi
    return 0
  fi
  if port_open "$HOST" "$PORT"; then
    say "not started by this script, but something answers on $HOST:$PORT"
  else
    say "not running"
  fi
  return 3
}

cmd_logs() {
  [[ -f "$LOG_FILE" ]] || die "no log yet ($LOG_FILE)"
  if [[ "${1:-}" == "-f" ]]; then
    exec tail -n "${KAFKA_LOG_LINES:-100}" -F "$LOG_FILE"
  fi
  tail -n "${KAFKA_LOG_LINES:-100}" "$LOG_FILE"
}

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  reset) cmd_reset ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac

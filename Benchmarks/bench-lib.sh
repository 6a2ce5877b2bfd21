# Shared by the run-*-bench scripts (sourced): a private port mapper, server nodes that print
# `ready`, medians and the ratio table. Expects `set -euo pipefail` and sets `work`, `pids`.
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A port nobody listens on, never 4369: the machine's own port mapper stays out of it.
free_port() {
  local port
  while port=$((20000 + RANDOM % 40000)); listening "$port"; do :; done
  echo "$port"
}

# start_port_mapper KVSH: `kvsh epmd` on a free port, exported as ERL_EPMD_PORT.
start_port_mapper() {
  export ERL_EPMD_PORT
  ERL_EPMD_PORT=$(free_port)
  "$1" epmd --port "$ERL_EPMD_PORT" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    listening "$ERL_EPMD_PORT" && return 0
    sleep 0.05
  done
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }

# start_until READY ARG LOG COMMAND...: runs COMMAND in the background, its output in LOG, until
# `READY ARG` succeeds (up to 15 s); sets `server` to its pid.
server=""
start_until() {
  local ready=$1 arg=$2 log=$3; shift 3
  "$@" >"$log" 2>&1 &
  server=$!
  pids+=("$server")
  for _ in $(seq 300); do
    "$ready" "$arg" && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  echo "a server did not get ready ($ready $arg): $*" >&2
  cat "$log" >&2
  return 1
}

printed_ready() { grep -qs '^ready' "$1"; }

# start_server LOG COMMAND...: a server node that prints `ready` once it is.
start_server() { start_until printed_ready "$1" "$@"; }
stop_server() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }

# measure_sides SIDE...: RUNS rounds, each a fresh SIDE_server and SIDE_client pair of every
# side in turn, so that a machine that speeds up or slows down during the run weighs on every
# side alike; the client's figure lines go to $work/SIDE.figures.
measure_sides() {
  local side run
  for side in "$@"; do : >"$work/$side.figures"; done
  for run in $(seq "$runs"); do
    for side in "$@"; do
      "${side}_server" "${side}b$run"
      "${side}_client" "${side}a$run" "${side}b$run" >>"$work/$side.figures" || echo "a $side client failed" >&2
      stop_server
    done
  done
}

# figure SIDE NAME: the median of NAME's values in $work/SIDE.figures (lines `NAME VALUE`).
figure() { awk -v n="$2" '$1 == n { print $2 }' "$work/$1.figures" | median; }

# row LABEL KVSH BEAM HOW: HOW is `rate` (ratio kvsh/BEAM) or `time` (ratio BEAM/kvsh).
row() {
  local ratio="-"
  if [[ $3 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]]; then
    ratio=$(awk -v k="$2" -v b="$3" -v how="$4" 'BEGIN { printf "%.2f", how == "rate" ? k / b : b / k }')
  fi
  printf '%-52s %12s %12s %8s\n' "$1" "$2" "$3" "$ratio"
}
header() { printf '%-52s %12s %12s %8s\n' figure kvsh BEAM 'ratio*'; }
footer() { echo "* higher is better for kvsh: kvsh/BEAM for rates, BEAM/kvsh for times and latencies"; }

# compile_kv_reference DIR: the guide's KV application in Elixir (reference/kv) compiled into
# DIR with elixirc: offline, no mix. Start a node with `elixir ... -pa DIR -e 'KVReference.start()'`.
compile_kv_reference() {
  local sources
  sources=$(cd "$(dirname "${BASH_SOURCE[0]}")/../reference/kv" && pwd)
  mkdir -p "$1"
  (cd "$1" && elixirc "$sources"/*.ex >/dev/null)
}

# listen_port: a free port below the kernel's ephemeral range, which free_port's range overlaps:
# there, a port free when chosen can be taken a moment later by a client socket or a node's
# distribution listener before the server binds it.
listen_port() {
  local low port
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while port=$((10000 + RANDOM % (low - 10000))); listening "$port"; do :; done
  echo "$port"
}

# start_listener LOG PORT COMMAND...: a server that is ready once it accepts connections on PORT.
start_listener() {
  local log=$1 port=$2; shift 2
  start_until listening "$port" "$log" "$@"
}

# stop_servers PID...: stops the given servers and waits until they are gone.
stop_servers() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# result_field NAME LINE: the value of NAME in a `name=value ...` line (load.py's and LoadGen's).
result_field() { tr ' ' '\n' <<<"$2" | awk -F= -v n="$1" '$1 == n { print $2 }'; }

# The BEAM-client tables: a BEAM node's figures with a kvsh peer against those with a BEAM peer.
mixed_header() { printf '%-52s %12s %12s %8s\n' figure BEAM→kvsh BEAM→BEAM 'ratio*'; }
mixed_footer() { echo "* higher is better for kvsh as the BEAM's peer: BEAM→kvsh over BEAM→BEAM for rates, the inverse for times"; }

# shellcheck shell=bash
# Shared by the scripts of .ci/cluster/ (sourced, not run): where the one-machine test clusters
# keep their state, and how a script says that this machine cannot run a cluster.
#
# Exit status of the *_up.sh scripts:
#   0  the cluster is up (started now, or already running)
#   3  this machine cannot run it (not root and nothing installed, no apt-get, ...): the reason
#      is printed and written to $STATE/unavailable, where tests/cluster/ reads it to skip
#   other  a failure: it should have started and did not (the tests then fail, not skip)

SIM_CLUSTER_DIR=${SIM_CLUSTER_DIR:-/tmp/sim-cluster}
EXIT_UNAVAILABLE=3

# unavailable STATE_DIR REASON: record why this machine cannot run the cluster, and exit 3
unavailable() {
    mkdir -p "$1"
    printf '%s\n' "$2" >"$1/unavailable"
    echo "$(basename "$0"): cannot run here: $2" >&2
    exit "$EXIT_UNAVAILABLE"
}

# wait_for SECONDS COMMAND...: run COMMAND every second until it succeeds; 1 if it never did
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 1
    done
}

# stop_pidfile FILE NAME: SIGTERM the process whose id FILE holds (if it is still NAME), wait
# up to 15 s for it to end, then SIGKILL it; remove FILE
stop_pidfile() {
    local file=$1 name=$2 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 15); do
            [ -d "/proc/$pid" ] || break
            sleep 1
        done
        if [ -d "/proc/$pid" ]; then
            echo "$(basename "$0"): $name ($pid) did not stop on SIGTERM; SIGKILL" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$file"
}

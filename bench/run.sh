#!/usr/bin/env bash
# Runs peerbook's benchmarks end to end: builds what is missing, installs the PeerJS server into bench/node_modules,
# then the Java harness starts a redis-server on a free port, each server in turn, runs the workloads and writes
# bench/results/ and the generated part of docs/benchmarks.md.
#   bash bench/run.sh                      full run, about 11 minutes on a 2-core machine
#   bash bench/run.sh --before bafcef8     the same, and peerbook as of that git revision beside it (about 15 minutes)
#   bash bench/run.sh --quick              about 2 minutes, for trying it
#   bash bench/run.sh --help               the other options
# BENCH_JAVA_OPTS is passed to the peerbook and bare-relay JVMs; PEERBOOK_* variables in the environment reach
# peerbook too (e.g. PEERBOOK_INSTANCES_GATEWAY=2), except those the harness sets itself.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "bench: '$1' is required ($2)" >&2; exit 1; }
}
need java "JDK 17"
need mvn "Maven 3"

build_harness() {
  if [[ ! -f bench/target/peerbook-bench.jar || -n "$(find bench/src bench/pom.xml -newer bench/target/peerbook-bench.jar 2>/dev/null)" ]]; then
    echo "bench: building bench/target/peerbook-bench.jar"
    mvn -q -f bench/pom.xml package
  fi
}
for arg in "$@"; do
  if [[ "$arg" == "--help" ]]; then
    build_harness
    exec java -jar bench/target/peerbook-bench.jar --help
  fi
done

need jcmd "the JDK's jcmd"
need redis-server "Debian: apt-get install -y redis-server"
need redis-cli "comes with redis-server"
need node "Node.js 18 or later, for the PeerJS server"
need npm "Node.js's npm"

if [[ ! -f target/peerbook.jar || -n "$(find src pom.xml -newer target/peerbook.jar 2>/dev/null)" ]]; then
  echo "bench: building target/peerbook.jar"
  mvn -q package -DskipTests
fi
build_harness
# --before REV: peerbook as of that revision, built from `git archive` into bench/target/before-REV, for a before and
# after in one run.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--before" ]]; then
    rev="${args[$((i + 1))]:?--before needs a git revision}"
    dir="bench/target/before-$rev"
    if [[ ! -f "$dir/target/peerbook.jar" ]]; then
      echo "bench: building peerbook as of $rev into $dir"
      rm -rf "$dir" && mkdir -p "$dir"
      git archive "$rev" | tar -x -C "$dir"
      (cd "$dir" && mvn -q package -DskipTests)
    fi
  fi
done
if [[ ! -f bench/node_modules/peer/package.json ]]; then
  echo "bench: installing the PeerJS server (npm package peer) into bench/node_modules"
  (cd bench && npm install --no-package-lock --no-audit --no-fund --loglevel=error)
fi

# The load generator gets a fixed, pre-touched heap as the Java servers do: with the JVM's default it shrank to
# about 100 MiB and paused for a young GC every 0.4 s (3-4 ms each), which showed in the round trips it measured.
exec java ${BENCH_LOADGEN_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch} -jar bench/target/peerbook-bench.jar "$@"

#!/bin/sh
# Stands in for /usr/local/bin/swarmnode in test/e2e/ship-systemd.test.ts. It runs under the shipped
# units (their ordering, environment and sandbox), records each start in $STATE_DIRECTORY/runs,
# probes what the sandbox lets through, and exits as the test needs: the first boot gives up (75)
# after a while, the first watch crashes, later runs succeed; watch reports on SIGTERM whether
# the Docker socket still answers.
set -u
cmd=$1
runs="$STATE_DIRECTORY/runs"
now() { date +%s.%N; }
n=$(( $(cat "$STATE_DIRECTORY/$cmd.count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$STATE_DIRECTORY/$cmd.count"
echo "$cmd start $n $(now) cluster=${SWARMNODE_CLUSTER:-}" >> "$runs"
case "$cmd.$n" in
  watch.1) ;;
  watch.*) trap 'echo "watch stop $(now) docker=$(curl -s --max-time 5 --unix-socket /run/docker.sock http://docker/_ping)" >> "$runs"; exit 0' TERM ;;
esac
/usr/local/bin/node /usr/local/lib/swarmnode-probe.mjs "$STATE_DIRECTORY/probe-$cmd-$n.json"
echo "$cmd ready $n $(now)" >> "$runs"
case "$cmd.$n" in
  boot.1)
    sleep "${STUB_BOOT_SECONDS:-10}"
    echo "boot exit 75 $(now)" >> "$runs"
    exit 75 ;;
  boot.*)
    echo "boot exit 0 $(now)" >> "$runs"
    exit 0 ;;
  watch.1)
    sleep 1
    echo "watch exit 1 $(now)" >> "$runs"
    exit 1 ;;
  watch.*)
    while :; do
      sleep 1 &
      wait $!
    done ;;
esac

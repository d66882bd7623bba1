#!/usr/bin/env bash
# Installs everything the demo, the tests and the validators need on a fresh Debian 12 machine
# (as root): the lab's engines and tools, the shipping validators, qemu for the arm64 smoke test,
# and the npm packages from the lockfile. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup.sh: run it as root (the lab creates network namespaces and starts dockerd)" >&2
  exit 1
fi

# Lab: docker.io iproute2 busybox-static. Validators: systemd (systemd-analyze), cloud-init, the
# ShellCheck linter, packer. The shipped units under a real systemd: systemd-container (nspawn).
# arm64 smoke test: qemu-user with the arm64 C/C++ runtimes as its sysroot. Metrics: prometheus
# (promtool checks the rules and endpoints; the lab test runs its own prometheus in a lab namespace).
packages=(docker.io iproute2 busybox-static systemd systemd-container cloud-init shellcheck packer
  qemu-user libc6-arm64-cross libstdc++6-arm64-cross prometheus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No package's service may start here (Debian's prometheus would): tests start what they need.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    own_policy=true
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "$own_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# Installed with its unit enabled: keep it from starting at the next boot of this machine.
if [ -e /etc/systemd/system/multi-user.target.wants/prometheus.service ]; then
  systemctl disable prometheus.service >/dev/null 2>&1 || rm -f /etc/systemd/system/multi-user.target.wants/prometheus.service
fi

# npm ci wipes node_modules; skip it when the installed tree already matches the lockfile.
if ! cmp -s package-lock.json node_modules/.swarmnode-installed-lock 2>/dev/null; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.swarmnode-installed-lock
fi

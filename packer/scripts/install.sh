#!/bin/sh
# Runs on the Packer build instance as root: Docker engine, the swarmnode binary and its units.
set -eu

: "${SWARMNODE_BINARY:?path of the uploaded swarmnode binary}"
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get install -y -q --no-install-recommends docker.io
systemctl enable docker.service

install -m 0755 "$SWARMNODE_BINARY" /usr/local/bin/swarmnode
install -m 0644 /tmp/swarmnode-boot.service /tmp/swarmnode.service /etc/systemd/system/
# cloud-init writes swarmnode.env here at first boot; the directory exists so its mode is ours.
install -d -m 0700 /etc/swarmnode
rm -f "$SWARMNODE_BINARY" /tmp/swarmnode-boot.service /tmp/swarmnode.service

systemctl daemon-reload
# Enabled, not started: both start at every boot of an instance (multi-user.target), after
# cloud-init has written their env file; the user-data starts nothing, so one boot runs per start.
systemctl enable swarmnode-boot.service swarmnode.service

# Fails the image build when the binary cannot start on this architecture.
/usr/local/bin/swarmnode --version

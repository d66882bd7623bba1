#!/bin/sh
# Runs last on the build instance: every instance launched from the AMI must start as a stranger
# to any swarm. A baked swarm state or engine identity would make clones collide as one node.
set -eu

# docker.socket would start the engine again on the next API call.
systemctl stop swarmnode.service swarmnode-boot.service docker.socket docker.service containerd.service

rm -rf /var/lib/docker/swarm
rm -f /etc/docker/key.json
# swarmnode's state directory (StateDirectory=): a boot result from the build instance is not this instance's.
rm -rf /var/lib/swarmnode

# An empty machine-id makes systemd generate a fresh one at first boot; removing the file instead
# would make that boot a "first boot" for units too. dbus's copy is a link to it on Debian.
truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id

# cloud-init then treats the first boot of each instance as new and applies its own user-data.
cloud-init clean --logs

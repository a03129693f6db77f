"""Hosts made of network namespaces on one bridge: each its own interface, address and ports.

The bridge lives in the root namespace, which holds the client's address (.1): the test
process talks to every host over its veth address, and nothing routes beyond the /24 (no
namespace has a default route). Links are cut from the bridge side, so a host's processes
keep running and only see their packets go nowhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LOCKS = Path("/run/lock") if Path("/run/lock").is_dir() else Path("/tmp")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def why_namespaces_cannot_be_made() -> str | None:
    """A sentence saying why this machine cannot build the hosts; None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    try:
        probe = ip("netns", "add", f"bhprobe{os.getpid()}", check=False)
    except FileNotFoundError:
        return "the `ip` command (iproute2) is missing"
    if probe.returncode != 0:
        return f"ip netns add failed: {probe.stderr.strip()}"
    ip("netns", "del", f"bhprobe{os.getpid()}", check=False)
    return None


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    bridge_port: str  # the veth end on the bridge: down cuts the host off

    def command(self, *argv) -> list[str]:
        """`argv` run inside this host's namespace."""
        return ["ip", "netns", "exec", self.namespace, *map(str, argv)]


class Network:
    """A /24 of its own (10.231.<n>.0, n free on this machine, held by a lock file) and its hosts."""

    def __init__(self) -> None:
        self.subnet, self._lock = self._take_a_subnet()
        self.prefix = f"bh{self.subnet}"
        self.bridge = f"{self.prefix}br"
        self.client_address = self.address(1)
        self.hosts: dict[str, Host] = {}
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.client_address}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        self._forward_within_the_bridge("-I")

    @staticmethod
    def _take_a_subnet():
        for subnet in range(1, 250):
            lock = open(LOCKS / f"beauty-hosts-{subnet}.lock", "w")  # noqa: SIM115 (held until close)
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            in_use = f"10.231.{subnet}." in ip("-4", "addr").stdout or f"bh{subnet}br" in ip("link").stdout
            if not in_use:
                return subnet, lock
            lock.close()
        raise RuntimeError("no free 10.231.x.0/24 subnet")

    def address(self, last: int) -> str:
        return f"10.231.{self.subnet}.{last}"

    def add_host(self, name: str, last: int, *extra: int) -> Host:
        """A namespace with loopback up and eth0 on the bridge at .`last` (and any `extra` addresses)."""
        host = Host(name, f"{self.prefix}-{name}", self.address(last), f"{self.prefix}{name}"[:15])
        ip("netns", "add", host.namespace)
        self.hosts[name] = host
        ip("link", "add", host.bridge_port, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
        ip("link", "set", host.bridge_port, "master", self.bridge, "up")
        for octet in (last, *extra):
            ip("-n", host.namespace, "addr", "add", f"{self.address(octet)}/24", "dev", "eth0")
        ip("-n", host.namespace, "link", "set", "lo", "up")
        ip("-n", host.namespace, "link", "set", "eth0", "up")
        return host

    def cut(self, host: Host) -> None:
        """The host's cable pulled: its processes live on, nothing reaches it or leaves it."""
        ip("link", "set", host.bridge_port, "down")

    def mend(self, host: Host) -> None:
        ip("link", "set", host.bridge_port, "up")

    def block(self, host: Host, address: str) -> None:
        """`host` can no longer reach `address` (a route that answers 'no route to host')."""
        ip("-n", host.namespace, "route", "add", "unreachable", f"{address}/32")

    def unblock(self, host: Host, address: str) -> None:
        ip("-n", host.namespace, "route", "del", "unreachable", f"{address}/32", check=False)

    def _forward_within_the_bridge(self, action: str) -> None:
        """Frames between the bridge's own ports pass the firewall's FORWARD chain where bridges are
        filtered (br_netfilter, which Docker turns on with a FORWARD policy of DROP): let this
        bridge's pass, and only them. Nothing to do where iptables is missing."""
        if shutil.which("iptables"):
            subprocess.run(
                ["iptables", action, "FORWARD", "-i", self.bridge, "-o", self.bridge, "-j", "ACCEPT"],
                check=False,
                capture_output=True,
            )

    def close(self) -> None:
        self._forward_within_the_bridge("-D")
        for host in self.hosts.values():
            ip("netns", "del", host.namespace, check=False)  # its eth0 goes, and the bridge port with it
            ip("link", "del", host.bridge_port, check=False)
        ip("link", "del", self.bridge, check=False)
        with contextlib.suppress(OSError):
            self._lock.close()

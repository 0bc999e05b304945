"""A real Ray cluster of several nodes on this machine, all its traffic on 127.0.0.1.

``python -m loopback.ray_cluster --nodes 2 --cpus 2`` starts a head and ``nodes - 1`` worker nodes
(each its own raylet, object store and workers, as ``ray start`` would), prints ``ADDRESS host:port``
once every node is up, removes the last worker node on SIGUSR1 (printing ``REMOVED``), and shuts
the cluster down on SIGTERM.

Ray resolves a loopback node address to the machine's outward IP unless the variable below is 0
(it was meant for Windows and macOS, where clusters are single-machine): with it, every node,
and a driver started with it too, binds and dials 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
# A removed node is declared dead after about a second, not Ray's default 30 s.
FAST_HEALTH_CHECKS = {"health_check_period_ms": 500, "health_check_failure_threshold": 2,
                      "health_check_timeout_ms": 500}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=2, help="CPUs each node offers")
    args = parser.parse_args()
    os.environ.update(LOOPBACK_ENV)
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": args.cpus, "include_dashboard": False, "_system_config": FAST_HEALTH_CHECKS})
    workers = [cluster.add_node(num_cpus=args.cpus) for _ in range(args.nodes - 1)]
    cluster.wait_for_nodes()
    outward = [n.node_ip_address for n in cluster.list_all_nodes() if n.node_ip_address != "127.0.0.1"]
    if outward:  # the tests promise loopback only
        cluster.shutdown()
        sys.exit(f"nodes not on loopback: {outward}")
    stop, remove = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: remove.set())
    print(f"ADDRESS {cluster.address}", flush=True)
    while not stop.is_set():
        if remove.wait(0.1) and workers:
            remove.clear()
            cluster.remove_node(workers.pop(), allow_graceful=False)
            print("REMOVED", flush=True)
    cluster.shutdown()


class LoopbackCluster:
    def __init__(self, proc: subprocess.Popen, address: str) -> None:
        self.proc = proc
        self.address = address

    def remove_node(self) -> None:
        """Kill the last worker node's processes at once (its raylet, store and actors), as a crash would."""
        self.proc.send_signal(signal.SIGUSR1)
        line = self.proc.stdout.readline()
        if line.strip() != "REMOVED":
            raise RuntimeError(f"the node was not removed: {line}")


@contextlib.contextmanager
def loopback_cluster(nodes: int = 2, cpus: int = 2, cwd: str | None = None) -> Iterator[LoopbackCluster]:
    proc = subprocess.Popen([sys.executable, "-m", "loopback.ray_cluster", "--nodes", str(nodes), "--cpus", str(cpus)],
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, **LOOPBACK_ENV})
    try:
        line = proc.stdout.readline()
        if not line.startswith("ADDRESS "):
            raise RuntimeError(f"the Ray cluster did not start: {line!r}")
        yield LoopbackCluster(proc, line.split()[1])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()

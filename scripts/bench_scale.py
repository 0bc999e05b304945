#!/usr/bin/env python
"""How generation scales out, against scripted servers on 127.0.0.1 with a fixed reply latency.

    python scripts/bench_scale.py [--latency-ms 200] [--concurrency 16] [--waves 6] [--slots 4] [--dialogues 96]

Runs the user-oriented SQL pipeline (LLM user, LLM agent, rule-based tasks, no judge) and prints
dialogues/s, each beside its latency-bound ideal (the dialogues' measured request counts, each
request holding a slot for the latency, scheduled greedily on the slots there are):
1. nodes: 1 vs 2 Ray nodes on this machine (``loopback.ray_cluster``), each running
   ``--concurrency`` dialogues at once against one server without a slot limit;
   ``--waves`` x nodes x concurrency dialogues, so both runs are as many waves long;
2. endpoints: one process, ``--concurrency`` x 2 dialogues at once, against 1 vs 4 servers that
   each serve ``--slots`` requests at once (a serving engine's batch); ``--dialogues`` each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_llm_pipeline import ideal_makespan  # noqa: E402
from loopback.base import llm_config, scripted_server  # noqa: E402
from loopback.ray_cluster import LOOPBACK_ENV, loopback_cluster  # noqa: E402


def generate(urls: list[str], dialogues: int, concurrency: int, work: Path, ray: str | None = None) -> dict:
    """One run; its stats and the requests each dialogue made."""
    config = llm_config("llm_user_oriented_sql", urls if len(urls) > 1 else urls[0], work / "cfg.yaml",
                        num_dialogues=dialogues, llm={"concurrent_dialogues": concurrency},
                        tasks={"policy": "rules"}, judge={"policy": "none"})
    command = [sys.executable, "-m", "generation", "--config", str(config), "--output", str(work / "out")]
    if ray:
        command += ["--ray", ray]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **LOOPBACK_ENV})
    if proc.returncode != 0:
        sys.exit(f"generation failed: {proc.stderr.strip().splitlines()[-1]}")
    stats = json.loads((work / "out" / "stats.json").read_text())
    stats["requests_per_dialogue"] = requests_per_dialogue(work / "out" / ".work")
    return stats


def line_source(work: Path) -> list[str]:
    return [line for path in sorted(work.glob("dialogues*.jsonl")) for line in path.read_text().splitlines()]


def requests_per_dialogue(work: Path) -> list[int]:
    entries = sorted((json.loads(line) for line in line_source(work)), key=lambda e: e["index"])
    return [sum(u.get("calls", 0) for u in e["usage"].get("roles", {}).values()) for e in entries]


def report(label: str, stats: dict, flight: int, latency: float,
           server_slots: int | None = None) -> tuple[float, float]:
    """Print one run's dialogues/s beside its ideal; both. The ideal run takes the longer
    of two bounds: ``flight`` dialogues at a time, each a chain of requests of ``latency``; and
    every request through the servers' ``server_slots``, each holding one for ``latency``."""
    requests = stats["requests_per_dialogue"]
    seconds = stats["timing"]["simulation_s"]  # first dialogue started to last finished
    bound = ideal_makespan(requests, flight, latency)
    if server_slots:
        bound = max(bound, sum(requests) * latency / server_slots)
    rate, ideal = len(requests) / seconds, len(requests) / bound
    seen = stats["llm"]["total"]["mean_latency_s"]  # per answered call, retries included
    print(f"  {label:<34} {len(requests):>4} dialogues, {sum(requests):>5} requests in {seconds:6.2f} s: "
          f"{rate:5.2f} dialogues/s; ideal {ideal:5.2f} ({rate / ideal:.0%} of it); "
          f"{seen * 1000:.0f} ms per request as the client saw it")
    return rate, ideal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--concurrency", type=int, default=16, help="dialogues in flight per node")
    parser.add_argument("--waves", type=int, default=6, help="dialogues per slot of the run")
    parser.add_argument("--slots", type=int, default=4, help="requests each server serves at once (endpoints part)")
    parser.add_argument("--dialogues", type=int, default=96, help="dialogues of each endpoints run")
    args = parser.parse_args()
    latency, c = args.latency_ms / 1000, args.concurrency
    print(f"[nodes] {args.latency_ms:.0f} ms per reply, {c} dialogues in flight per node, one scripted server "
          "(no slot limit), Ray nodes on 127.0.0.1 of this 2-core machine")
    rates, ideals = {}, {}
    for nodes in (1, 2):
        with tempfile.TemporaryDirectory() as tmp, scripted_server("--latency-ms", str(args.latency_ms)) as url, \
                loopback_cluster(nodes=nodes, cpus=2, cwd=str(ROOT)) as cluster:
            stats = generate([url], args.waves * nodes * c, c, Path(tmp), ray=cluster.address)
        rates[nodes], ideals[nodes] = report(f"{nodes} node{'s' if nodes > 1 else ''} ({nodes * c} in flight)",
                                             stats, nodes * c, latency)
    print(f"  2 nodes / 1 node: {rates[2] / rates[1]:.2f}x (ideal {ideals[2] / ideals[1]:.2f}x, target >= 1.8x)")

    flight = 2 * c
    print(f"[endpoints] {args.latency_ms:.0f} ms per reply, {flight} dialogues in flight in one process, "
          f"servers of {args.slots} slots each")
    rates, ideals = {}, {}
    for count in (1, 4):
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            urls = [stack.enter_context(scripted_server("--latency-ms", str(args.latency_ms), "--slots",
                                                        str(args.slots))) for _ in range(count)]
            stats = generate(urls, args.dialogues, flight, Path(tmp))
        rates[count], ideals[count] = report(f"{count} endpoint{'s' if count > 1 else ''} ({count * args.slots} slots)",
                                             stats, flight, latency, count * args.slots)
    print(f"  4 endpoints / 1 endpoint: {rates[4] / rates[1]:.2f}x (ideal {ideals[4] / ideals[1]:.2f}x)")


if __name__ == "__main__":
    main()

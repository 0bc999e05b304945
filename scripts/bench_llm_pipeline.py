#!/usr/bin/env python
"""Our own overhead in LLM-driven generation, against the scripted server on 127.0.0.1.

    python scripts/bench_llm_pipeline.py [--dialogues 512] [--concurrency 256] [--latency-ms 200]

Runs the user-oriented SQL pipeline (LLM user, LLM agent, rule-based tasks, no judge) twice:
1. server latency 0 ms: simulated turns per CPU-second of the generation process (the server
   runs in its own process and is not counted): what one core of ours sustains;
2. server latency L ms with C concurrent dialogues: requests/s achieved against the
   latency-bound ideal (C slots, each request holding its slot L ms, dialogues of the measured
   lengths scheduled greedily), and the same in turns/s.
A turn is the paper's Turn: every non-system message.
"""

from __future__ import annotations

import argparse
import heapq
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.config import load_config  # noqa: E402
from generation.pipeline import GenerationPipeline  # noqa: E402
from loopback.base import LAST_SERVER_CPU, llm_config, scripted_server  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(url: str, dialogues: int, concurrency: int, work: Path, workers: int = 1) -> tuple[dict, float, float, list[int]]:
    cfg = llm_config("llm_user_oriented_sql", url, work / "cfg.yaml", num_dialogues=dialogues, workers=workers,
                     llm={"concurrent_dialogues": concurrency},  # response cache on, as by default
                     tasks={"policy": "rules"}, judge={"policy": "none"})
    config = load_config(cfg, {})
    config.llm.endpoints.default.max_concurrency = concurrency
    wall, cpu = time.perf_counter(), cpu_seconds()
    stats = GenerationPipeline(config, work / "out").run()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    per_dialogue = []
    entries = [json.loads(line) for path in (work / "out" / ".work").glob("dialogues*.jsonl")
               for line in path.read_text().splitlines()]
    for entry in sorted(entries, key=lambda e: e["index"]):
        per_dialogue.append(sum(u.get("calls", 0) for u in entry["usage"].get("roles", {}).values()))
    return stats, wall, cpu, per_dialogue


def ideal_makespan(requests: list[int], slots: int, latency: float) -> float:
    """Greedy list scheduling of dialogues (each a chain of requests) on ``slots`` parallel slots."""
    heap = [0.0] * slots
    for r in requests:  # in index order, as the pipeline admits them
        heapq.heappush(heap, heapq.heappop(heap) + r * latency)
    return max(heap)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dialogues", type=int, default=1024)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--workers", type=int, default=2, help="generation processes for the latency run")
    parser.add_argument("--server-processes", type=int, default=2,
                        help="scripted server processes sharing the port: a serving engine runs on its own "
                             "hardware; one Python process answering ~900 requests/s on these 2 cores adds its "
                             "own queueing to every request")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, scripted_server() as url:
        stats, wall, cpu, _ = run(url, args.dialogues, 64, Path(tmp))
    n_turns = stats["turns_total"]
    print(f"[0 ms server latency] {args.dialogues} user-oriented SQL dialogues (LLM user + LLM agent, "
          f"scripted server on 127.0.0.1, 64 in flight): {n_turns} turns, {stats['llm']['total']['calls']} requests")
    t = stats["timing"]
    print(f"  dialogue loop: {t['dialogues_cpu_s']:.2f} CPU-s -> {n_turns / t['dialogues_cpu_s']:.0f} turns per "
          f"CPU-second of our process (target >= 1000 per core); {n_turns / t['dialogues_s']:.0f} turns/s wall "
          f"on this 2-core machine, the server sharing it")
    print(f"  whole command incl. start-up ({t['setup_s']:.2f} s) and dataset writing: {cpu:.2f} CPU-s, "
          f"{wall:.2f} s wall -> {n_turns / cpu:.0f} turns per CPU-second")

    with tempfile.TemporaryDirectory() as tmp, scripted_server("--latency-ms", str(args.latency_ms),
                                                               processes=args.server_processes) as url:
        stats, wall, cpu, requests = run(url, args.dialogues, args.concurrency, Path(tmp), args.workers)
    latency = args.latency_ms / 1000
    ideal = ideal_makespan(requests, args.concurrency, latency)
    total = sum(requests)
    n_turns = stats["turns_total"]
    print(f"[{args.latency_ms:.0f} ms server latency, {args.concurrency} concurrent dialogues, "
          f"{args.workers} worker process{'es' if args.workers > 1 else ''}, "
          f"{args.server_processes} server process{'es' if args.server_processes > 1 else ''}] "
          f"{args.dialogues} dialogues, {total} requests, {n_turns} turns")
    loop = stats["timing"]["simulation_s"]  # from the first dialogue started to the last finished
    server_cpu = LAST_SERVER_CPU[0]
    print(f"  dialogue loop: {total / loop:.0f} requests/s ({n_turns / loop:.0f} turns/s) in {loop:.2f} s; "
          f"latency-bound ideal {total / ideal:.0f} requests/s ({n_turns / ideal:.0f} turns/s) in {ideal:.2f} s "
          f"-> {ideal / loop:.1%} of ideal (target >= 95%)")
    lat = {r: u["mean_latency_s"] for r, u in stats["llm"]["roles"].items()}
    print(f"  mean request latency seen by our client (s): {lat} (the server holds each reply "
          f"{latency:.3f} s after it arrives)")
    reuse = {r: f"{u['prefix_reuse']:.1%}" for r, u in stats["llm"]["roles"].items()}
    print(f"  prompt share repeating the same role's previous request in the dialogue (prefix-cache reuse): "
          f"{stats['llm']['total']['prefix_reuse']:.1%} overall, by role {reuse} (target >= 80%); "
          f"acceptance {stats['acceptance_rate']:.1%}")
    print(f"  our processes used {stats['timing']['dialogues_cpu_s']:.2f} CPU-s in the loop "
          f"({stats['timing']['dialogues_cpu_s'] / loop:.2f} cores), the scripted server {server_cpu:.2f} CPU-s; whole command incl. start-up and dataset "
          f"writing: {wall:.2f} s")


if __name__ == "__main__":
    main()

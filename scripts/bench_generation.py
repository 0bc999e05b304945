#!/usr/bin/env python
"""Generation speed on Spider databases: dialogues per second, and SQL tool latency p50/p99.

    python scripts/bench_generation.py [--spider ../shared/data/spider] [--dialogues 1000]

Tool latency is measured two ways for every tool of every database: the call alone on a warm
dialogue copy, and a fresh per-dialogue copy plus the call ("copy included").
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.config import load_config  # noqa: E402
from generation.databases.guards import QueryLimits  # noqa: E402
from generation.databases.sources import resolve_sources  # noqa: E402
from generation.pipeline import GenerationPipeline  # noqa: E402
from generation.tools.arguments import example_arguments  # noqa: E402
from generation.worlds import SqlWorld  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def tool_latency(spider: Path) -> None:
    sources = resolve_sources(str(spider), Path(tempfile.mkdtemp()))
    limits = QueryLimits()
    alone, with_copy = [], []
    for source in sources:
        world = SqlWorld.build(source.open(), limits, 0)
        rng = random.Random(0)
        scratch = world.db.copy()
        calls = [(t, example_arguments(t, scratch, rng)) for t in world.catalog.tools]
        for tool, args in calls:
            if args is None:
                continue
            for _ in range(3):
                start = time.perf_counter()
                copy = world.db.copy()
                mid = time.perf_counter()
                world.toolbox.call(copy, tool.name, args)
                end = time.perf_counter()
                copy.close()
                alone.append((end - mid) * 1000)
                with_copy.append((end - start) * 1000)
    print(f"SQL tool latency over {len(alone)} calls ({len(sources)} Spider databases, every validated tool, 3 runs each):")
    print(f"  call alone          p50 {percentile(alone, .5):.3f} ms   p99 {percentile(alone, .99):.3f} ms   max {max(alone):.3f} ms")
    print(f"  copy + call         p50 {percentile(with_copy, .5):.3f} ms   p99 {percentile(with_copy, .99):.3f} ms   max {max(with_copy):.3f} ms  (target p99 < 5 ms)")


def dialogues_per_second(spider: Path, dialogues: int) -> None:
    with tempfile.TemporaryDirectory() as out:
        base = load_config(ROOT / "configs/generation/spider_test.yaml", {})
        config = base.model_copy(update={"databases": str(spider), "num_dialogues": dialogues})
        SPIDER_TEST_DBS = config.db_ids
        start = time.perf_counter()
        stats = GenerationPipeline(config, Path(out)).run()
        seconds = time.perf_counter() - start
    made = stats["splits"]["train"] + stats["splits"]["rejected"]
    print(f"Generation: {made} dialogues ({stats['splits']['train']} validated) on the {len(SPIDER_TEST_DBS)} "
          f"Spider test databases in {seconds:.2f} s, one process, end to end (toolsets, tasks, simulation, "
          f"validation, dataset writing)")
    print(f"  {made / seconds:.1f} dialogues/s overall; {os.cpu_count()} cores on this machine "
          f"(target >= 50 dialogues/s on 2 cores)")
    print(f"  mean turns {stats['by_mode']['user_oriented']['turns']['mean']}, mean tool calls "
          f"{stats['by_mode']['user_oriented']['tool_calls']['mean']} per dialogue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spider", type=Path, default=ROOT.parent / "shared" / "data" / "spider")
    parser.add_argument("--dialogues", type=int, default=1000)
    args = parser.parse_args()
    if not (args.spider / "tables.json").is_file():
        sys.exit(f"error: no Spider directory at {args.spider} (pass --spider)")
    dialogues_per_second(args.spider, args.dialogues)
    tool_latency(args.spider)


if __name__ == "__main__":
    main()

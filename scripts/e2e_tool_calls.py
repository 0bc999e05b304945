#!/usr/bin/env python
"""End to end on one machine: generate -> train a tiny model -> serve it -> ask held-out prompts.

    python scripts/e2e_tool_calls.py [--work out/e2e] [--steps 1000] [--prompts 40] [--held-out dialogues|database]

About 20 minutes on 2 CPU cores (training is most of it).

Prints the rate of well-formed tool calls (parseable JSON arguments, a tool that exists, arguments
valid against its schema) on prompts held out of training (dialogues, or a whole database), for
the untrained and the trained model, both served by `transformers serve` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.tools.schema_check import problem  # noqa: E402
from training.tiny import build_tiny_qwen3, record_corpus  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(model: Path):
    port = free_port()
    cli = Path(sys.executable).with_name("transformers")
    proc = subprocess.Popen([str(cli), "serve", str(model), "--host", "127.0.0.1", "--port", str(port),
                             "--device", "cpu", "--log-level", "warning"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return proc, f"http://127.0.0.1:{port}/v1/chat/completions"
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("transformers serve did not become healthy")


def well_formed(message: dict, tools: list[dict]) -> bool:
    specs = {t["function"]["name"]: t["function"] for t in tools}
    calls = message.get("tool_calls") or []
    if not calls:
        return False
    for call in calls:
        spec = specs.get(call["function"]["name"])
        try:
            args = json.loads(call["function"]["arguments"])
        except (json.JSONDecodeError, TypeError):
            return False
        if spec is None or not isinstance(args, dict) or problem(spec.get("parameters") or {}, args):
            return False
    return True


HELD_OUT_DB = "shop"


def held_out_prompts(rows: list[dict], mode: str, count: int) -> tuple[set[str], list[dict]]:
    """Hold out dialogues (every 10th, or all of one database); each prompt ends where the gold agent calls a tool."""
    held = [r for i, r in enumerate(rows)
            if (r["environment"]["db_id"] == HELD_OUT_DB if mode == "database" else i % 10 == 0)]
    prompts = []
    for r in held:
        first_call = next((i for i, m in enumerate(r["messages"]) if m["role"] == "assistant" and m.get("tool_calls")),
                          None)
        if first_call is not None and len(prompts) < count:
            prompts.append({"messages": [{k: v for k, v in m.items() if v is not None}
                                         for m in r["messages"][:first_call]], "tools": r["tools"]})
    return {r["id"] for r in held}, prompts


def rate(model: Path, model_name: str, prompts: list[dict]) -> float:
    proc, url = serve(model)
    try:
        good = 0
        for p in prompts:
            body = json.dumps({"model": model_name, "messages": p["messages"], "tools": p["tools"],
                               "max_tokens": 160, "temperature": 0.0}).encode()
            request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
            try:
                reply = json.loads(urllib.request.urlopen(request, timeout=300).read())
            except urllib.error.HTTPError:
                continue  # the server could not even parse the output: not a well-formed call
            good += well_formed(reply["choices"][0]["message"], p["tools"])
        return good / len(prompts)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "e2e")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--tools", type=int, default=3, help="tools offered per dialogue (shorter prompts)")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--hidden", type=int, default=192, help="tiny model width")
    parser.add_argument("--layers", type=int, default=4, help="tiny model depth")
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--held-out", choices=["dialogues", "database"], default="dialogues",
                        help="prompts from dialogues held out of training, or from a whole held-out database")
    args = parser.parse_args()
    work = args.work
    data = work / "gen"
    if not (data / "dataset").exists():
        data.mkdir(parents=True, exist_ok=True)
        (work / "gen.yaml").write_text(f"num_dialogues: 400\nmax_tools_per_dialogue: {args.tools}\n")
        subprocess.run([sys.executable, "-m", "generation", "--config", str(work / "gen.yaml"), "--output", str(data)],
                       cwd=ROOT, check=True)
    rows = [json.loads(line) for line in (data / "train.jsonl").read_text().splitlines()]
    held_ids, prompts = held_out_prompts(rows, args.held_out, args.prompts)
    model = work / "tiny-qwen3"
    if not (model / "config.json").exists():
        build_tiny_qwen3(model, record_corpus(rows[:120]), vocab_size=4096, hidden_size=args.hidden, layers=args.layers)
    before = rate(model, str(model), prompts)
    trained = work / "tiny-qwen3-sft"
    train_rows = work / "train_only"
    from datasets import load_from_disk

    split = load_from_disk(str(data / "dataset"))["train"]
    split.filter(lambda r: r["id"] not in held_ids).save_to_disk(str(train_rows))
    if not (trained / "config.json").exists():
        subprocess.run([sys.executable, "-m", "training", "--config", str(ROOT / "configs/training/cpu_tiny.yaml"),
                    "--model_name_or_path", str(model), "--datasets", str(train_rows), "--output_dir", str(trained),
                    "--max_steps", str(args.steps), "--validation_fraction", "0", "--eval_strategy", "no",
                    "--load_best_model_at_end", "false", "--save_strategy", "no", "--learning_rate", str(args.lr)],
                   cwd=ROOT, check=True)
    after = rate(trained, str(trained), prompts)
    where = ("dialogues held out of training (same databases, unseen tasks)" if args.held_out == "dialogues"
             else f"the held-out '{HELD_OUT_DB}' database (tool names never seen in training)")
    print(f"well-formed tool calls on {len(prompts)} prompts from {where}; each prompt is a dialogue up to its "
          f"first tool-calling assistant turn; greedy, tiny Qwen3 ({args.hidden} wide, {args.layers} layers) "
          f"served by transformers serve:")
    print(f"  untrained: {before:.1%}")
    print(f"  after {args.steps} SFT steps on the rest: {after:.1%}")


if __name__ == "__main__":
    main()

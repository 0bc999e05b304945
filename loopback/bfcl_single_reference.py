"""bfcl-eval's own single-turn pipeline against a loopback server: the reference our harness is
compared with.

    python -m loopback.bfcl_single_reference --base-url URL --model M --temperature T \
        --limits '{"simple_python": N, ...}' --root DIR --out FILE

It is ``bfcl generate --run-ids`` (the first N entries of each category written to BFCL's id file;
its chat-completions FC handler, pointed at the server by ``OPENAI_BASE_URL``) and then ``bfcl
evaluate --partial-eval``: bfcl-eval's `_llm_response_generation.main` and `eval_runner.main`, in
a fresh process (bfcl-eval reads its paths from the environment at import and keeps state in module
globals). ``bfcl_eval.constants.model_config`` is replaced by a registry holding one model,
an OpenAI-compatible FC model as BFCL registers one (`OpenAICompletionsHandler`, FC, names with "."
sent as "_"), because the real registry imports every vendor's SDK.

The output: per category BFCL's accuracy (its score file's header) and the entries it failed with
their error types; the leaderboard CSVs (data_non_live, data_live, data_overall) as written, and the
same rows before BFCL formats them as percentages (captured around `write_score_csv_file`).
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_NAME = "tooldial-reference-FC"  # no "_": BFCL reads "_" in a result folder's name as "/"
LEADERBOARD_FILES = ("data_non_live.csv", "data_live.csv", "data_overall.csv")


def _registry(model: str) -> None:
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler

    registry = types.ModuleType("bfcl_eval.constants.model_config")
    registry.MODEL_CONFIG_MAPPING = {REGISTRY_NAME: types.SimpleNamespace(  # type: ignore[attr-defined]
        model_name=model, display_name="tooldial reference (FC)", url="http://127.0.0.1", org="tooldial",
        license="Apache-2.0", model_handler=OpenAICompletionsHandler, input_price=None, output_price=None,
        is_fc_model=True, underscore_to_dot=True)}
    sys.modules["bfcl_eval.constants.model_config"] = registry


def _generate(limits: dict[str, int], temperature: float, root: Path) -> None:
    """`bfcl generate --model REGISTRY_NAME --run-ids --temperature T`."""
    from bfcl_eval import _llm_response_generation as generation
    from bfcl_eval.utils import load_dataset_entry

    ids = {c: [e["id"] for e in load_dataset_entry(c)[:limit]] for c, limit in limits.items()}
    (root / "test_case_ids_to_generate.json").write_text(json.dumps(ids))
    args = argparse.Namespace(
        model=[REGISTRY_NAME], test_category=list(limits), temperature=temperature, include_input_log=False,
        exclude_state_log=False, num_threads=8, num_gpus=1, backend="vllm", gpu_memory_utilization=0.9,
        result_dir="result", run_ids=True, allow_overwrite=True, skip_server_setup=True, local_model_path=None,
        lora_modules=None, enable_lora=False, max_lora_rank=None)
    generation.main(args)


def _evaluate(categories: list[str]) -> dict[str, list[list[Any]]]:
    """`bfcl evaluate --model REGISTRY_NAME --test-category C... --partial-eval`; returns the
    leaderboard rows as BFCL computed them, before it formats them."""
    from bfcl_eval.eval_checker import eval_runner, eval_runner_helper

    captured: dict[str, list[list[Any]]] = {}
    write = eval_runner_helper.write_score_csv_file

    def capturing(data: list[list[Any]], file_path: Any, *args: Any, **kwargs: Any) -> None:
        captured[Path(file_path).name] = copy.deepcopy(data)
        write(data, file_path, *args, **kwargs)

    eval_runner_helper.write_score_csv_file = capturing
    try:
        eval_runner.main([REGISTRY_NAME], categories, "result", "score", partial_eval=True)
    finally:
        eval_runner_helper.write_score_csv_file = write
    return captured


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def reference(base_url: str, model: str, temperature: float, limits: dict[str, int], root: Path) -> dict[str, Any]:
    """BFCL's pipeline on the first `limits[category]` entries of each category."""
    os.environ.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY="scripted", BFCL_PROJECT_ROOT=str(root))
    _registry(model)
    from bfcl_eval.constants.column_headers import COLUMNS_LIVE, COLUMNS_NON_LIVE, COLUMNS_OVERALL

    _generate(limits, temperature, root)
    raw_rows = _evaluate(list(limits))
    out: dict[str, Any] = {"accuracy": {}, "failed": {}, "results": {}, "csv": {}, "raw": {}}
    for category in limits:
        score = _lines(next((root / "score").rglob(f"BFCL_v4_{category}_score.json")))
        out["accuracy"][category] = score[0]["accuracy"]
        out["failed"].update({r["id"]: r["error_type"] for r in score[1:]})
        result = next((root / "result").rglob(f"BFCL_v4_{category}_result.json"))
        out["results"].update({r["id"]: r["result"] for r in _lines(result)})
    headers = dict(zip(LEADERBOARD_FILES, (COLUMNS_NON_LIVE, COLUMNS_LIVE, COLUMNS_OVERALL)))
    for name in LEADERBOARD_FILES:
        with (root / "score" / name).open() as f:
            out["csv"][name] = next(csv.DictReader(f))
        out["raw"][name] = dict(zip(headers[name], raw_rows[name][0]))
    return out


def run_reference(base_url: str, model: str, temperature: float, limits: dict[str, int],
                  root: Path) -> dict[str, Any]:
    """`reference` in a fresh process (see the module docstring)."""
    out = root / "reference.json"
    root.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "loopback.bfcl_single_reference", "--base-url", base_url,
                           "--model", model, "--temperature", str(temperature), "--limits", json.dumps(limits),
                           "--root", str(root), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"BFCL reference pipeline failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--temperature", type=float, required=True)
    parser.add_argument("--limits", type=json.loads, required=True)  # {category: first N entries}
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result = reference(args.base_url, args.model, args.temperature, args.limits, args.root)
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()

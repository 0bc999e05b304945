"""``python -m generation.tools.prep``: seed tools -> prepared tools with return schemas (+ SQL tools)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from common.errors import InputError

from ...databases.database import SqlDatabase
from ...databases.guards import QueryLimits
from ...llm.accounting import Accounting
from ...llm.cache import ResponseCache
from ...llm.client import LLMClient
from ...llm.endpoints import EndpointConfig
from .prepare import prepare_tools
from .return_schemas import attach_return_schemas
from .seeds import load_bfcl_multi_turn_tools, load_seed_tools, load_tau2_tools
from .sql_design import DesignSettings, design_sql_tools, tool_to_json


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m generation.tools.prep", description=__doc__)
    p.add_argument("--seeds", required=True, help="FILE.json, bfcl, bfcl:Class1,Class2 or tau2:<domain>")
    p.add_argument("--domain", required=True, help="the domain to build tools for, in words")
    p.add_argument("--base-url", required=True, help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--model", required=True)
    p.add_argument("--output", type=Path, required=True, help="tools.json to write")
    p.add_argument("--report", type=Path, help="report JSON (default: next to --output, .report.json)")
    p.add_argument("--questions", type=int, nargs=2, default=(20, 30), metavar=("MIN", "MAX"))
    p.add_argument("--max-expansion", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--include-seeds", action="store_true", help="put the seed tools in the toolset too")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--cache", type=Path, help="response cache (SQLite) so a rerun pays for no call twice")
    p.add_argument("--database", type=Path,
                   help="also design SQL tools for this SQLite file (questions, tools, expansion on its schema)")
    return p.parse_args(argv)


def load_seeds(spec: str) -> list[dict[str, Any]]:
    if spec == "bfcl" or spec.startswith("bfcl:"):
        classes = [c for c in spec.partition(":")[2].split(",") if c.strip()]
        return load_bfcl_multi_turn_tools([c.strip() for c in classes] or None)
    if spec.startswith("tau2:"):
        return load_tau2_tools(spec.partition(":")[2])
    return load_seed_tools(spec)


def _check(args: argparse.Namespace) -> None:
    lo, hi = args.questions
    if not 1 <= lo <= hi:
        raise InputError(f"--questions {lo} {hi}: need 1 <= MIN <= MAX")
    if args.max_expansion < 0 or args.concurrency < 1:
        raise InputError("--max-expansion must be >= 0, --concurrency >= 1")
    if not args.base_url.startswith(("http://", "https://")):
        raise InputError(f"--base-url {args.base_url!r}: must start with http:// or https://")
    if args.output.is_dir():
        raise InputError(f"--output {args.output} is a directory; give a file name such as tools.json")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    seeds = load_seeds(args.seeds)
    db = SqlDatabase(args.database.stem, args.database) if args.database else None
    endpoint = EndpointConfig(base_url=args.base_url, model=args.model, api_key_env=args.api_key_env,
                              temperature=args.temperature, max_concurrency=args.concurrency)
    cache = ResponseCache(args.cache) if args.cache else None
    client = LLMClient(endpoint, cache)
    meter = Accounting()
    try:
        prepared = await prepare_tools(seeds, args.domain, client, meter, questions=tuple(args.questions),
                                       max_expansion=args.max_expansion, seed=args.seed,
                                       include_seeds=args.include_seeds)
        schemas = await attach_return_schemas(prepared.tools, client, meter, seed=args.seed)
        settings = DesignSettings(questions=tuple(args.questions), max_expansion=args.max_expansion, seed=args.seed)
        sql = await design_sql_tools(db, client, meter, settings, QueryLimits()) if db else None
    finally:
        await client.close()
        if cache is not None:
            cache.close()
    _write(args.output, schemas.tools)
    if sql is not None:
        _write(_sql_path(args.output), [tool_to_json(t) for t in sql.kept])
    return {
        "seeds": {"source": args.seeds, "tools": len(seeds)},
        "domain": args.domain,
        "model": args.model,
        "prepare": prepared.report(),
        "questions": prepared.questions,
        "origins": prepared.origins,
        "return_schemas": schemas.report(),
        "sql_tools": sql.report() if sql is not None else None,
        "accounting": meter.summary(),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _sql_path(output: Path) -> Path:
    return output.with_name(output.stem + ".sql_tools.json")


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report_path = args.report or args.output.with_name(args.output.stem + ".report.json")
    try:
        _check(args)
        report = asyncio.run(run(args))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: rerun with --cache to reuse the answers already paid for", file=sys.stderr)
        return 130
    _write(report_path, report)
    kept = report["return_schemas"]["tools"]
    total = report["accounting"]["total"]
    print(f"{kept} tools with return schemas -> {args.output} (report: {report_path}); "
          f"{report['prepare']['questions']} questions, {total['calls']} calls, {total['failures']} failed calls")
    if report["sql_tools"] is not None:
        print(f"{len(report['sql_tools']['kept'])} SQL tools -> {_sql_path(args.output)}")
    if kept == 0:
        print("error: no tool was produced; see the report's failures and rejects", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

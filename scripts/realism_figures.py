"""Realism figures of generated dialogues: a thin wrapper of ``python -m generation.realism``
(definitions and targets: docs/realism_metrics.md).

    python scripts/realism_figures.py out/demo [out/spider/train.jsonl ...] [--json OUT] [--markdown OUT]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, as a plain script

from generation.realism.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

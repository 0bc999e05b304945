"""Realism diagnostics of a generated split, next to what real users show (docs: realism).

    python scripts/realism_figures.py out/demo/train.jsonl [more.jsonl ...]

Per file, over its dialogues' user and assistant turns:
- D1 front-loading: words of the first user turn / mean words of the later user turns (real: ~1)
- D2 politeness: share of user turns with thanks/please/sorry/... (real: well under 0.3)
- D3 verbosity CV: mean per-dialogue coefficient of variation of user-turn length (real: > 0.5)
- MATTR: moving-average type-token ratio of user turns, window 50 words (flat across runs = collapse)
- record dumps: share of assistant replies holding three or more `key: value` pairs
- distinct openings: distinct first three words of user turns / user turns
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from pathlib import Path

from tabulate import tabulate

_POLITE = re.compile(r"\b(thanks|thank you|please|sorry|of course|appreciate|kindly)\b", re.I)
_PAIR = re.compile(r"\b\w+: ")
_WORD = re.compile(r"[\w'-]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _mattr(words: list[str], window: int = 50) -> float:
    if len(words) < window:
        return len(set(words)) / len(words) if words else 0.0
    return statistics.fmean(len(set(words[i:i + window])) / window for i in range(len(words) - window + 1))


def figures(path: Path) -> dict[str, float]:
    dialogues = [json.loads(line) for line in path.read_text().splitlines() if line]
    front, cvs, user_turns, replies, user_words = [], [], [], [], []
    for d in dialogues:
        said = [m["content"] or "" for m in d["messages"] if m["role"] == "user"]
        replies += [m["content"] for m in d["messages"] if m["role"] == "assistant" and m.get("content")]
        user_turns += said
        lengths = [len(_words(t)) for t in said]
        if len(lengths) > 1 and statistics.fmean(lengths[1:]):
            front.append(lengths[0] / statistics.fmean(lengths[1:]))
        if len(lengths) > 1 and statistics.fmean(lengths):
            cvs.append(statistics.pstdev(lengths) / statistics.fmean(lengths))
        user_words += [w for t in said for w in _words(t)]
    openings = {" ".join(_words(t)[:3]) for t in user_turns}
    return {
        "dialogues": len(dialogues),
        "D1 front-loading": round(statistics.fmean(front), 2) if front else float("nan"),
        "D2 politeness": round(sum(bool(_POLITE.search(t)) for t in user_turns) / max(1, len(user_turns)), 3),
        "D3 verbosity CV": round(statistics.fmean(cvs), 3) if cvs else float("nan"),
        "MATTR (user)": round(_mattr(user_words), 3),
        "record dumps": round(sum(len(_PAIR.findall(r)) >= 3 for r in replies) / max(1, len(replies)), 3),
        "distinct openings": round(len(openings) / max(1, len(user_turns)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("splits", nargs="+", type=Path, help="train.jsonl (or rejected.jsonl) files")
    args = parser.parse_args()
    rows = [{"split": str(p), **figures(p)} for p in args.splits]
    print(tabulate(rows, headers="keys", tablefmt="github"))


if __name__ == "__main__":
    main()

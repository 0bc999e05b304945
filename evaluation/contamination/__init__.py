"""Contamination guard: before training, how much a dataset overlaps the evaluation sets.

    python -m evaluation.contamination RUN [--filter OUT] [--ngram N] [--eval-config FILE]

Compared with what `python -m evaluation` runs (the benchmarks of an evaluation config): τ² task
instructions (word n-grams) and τ² database ids (user, reservation, order, customer ids, phone numbers),
BFCL multi-turn questions (word n-grams), and the SQL benchmark's held-out databases (`db_id`). The
report goes beside the dataset (``RUN/contamination.json`` / ``.md``) and into the card built from the
run; ``--filter OUT`` writes a copy of the run without the flagged records. Records generated on a τ²
domain's own database are the paper's allowed in-domain use: listed, not flagged.
"""

from .overlap import ContaminationConfig, Finding, RecordResult
from .references import DEFAULT_EVAL_CONFIG, EvalSets, load_eval_sets
from .report import REPORT_JSON, REPORT_MD, report_markdown, write_report
from .runs import check_run, read_run, write_filtered

__all__ = ["DEFAULT_EVAL_CONFIG", "REPORT_JSON", "REPORT_MD", "ContaminationConfig", "EvalSets", "Finding",
           "RecordResult", "check_run", "load_eval_sets", "read_run", "report_markdown", "write_filtered",
           "write_report"]

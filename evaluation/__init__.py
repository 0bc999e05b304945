"""Evaluation on BFCL multi-turn, tau2-bench and held-out SQL environments, reported as Pass^k."""

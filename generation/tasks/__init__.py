"""Tasks a dialogue is about: synthesized from real rows (or written by an LLM), each planned by
running its gold calls on the gold copy."""

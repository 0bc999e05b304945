"""Whether a finished dialogue is kept: the checks over its messages, tools and final state, and the
optional LLM judge."""

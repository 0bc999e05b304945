"""The conversation itself: user and agent policies (rules, oracle, LLM), what the dialogue has
established so far, and the orchestrator that lets them take turns over a tool session."""

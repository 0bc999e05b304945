"""LLM access for every role: an async OpenAI-compatible client, its cache and its accounting."""

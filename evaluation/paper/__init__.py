"""The paper's Tables 1-4 and figures from our runs and results, beside the published numbers."""

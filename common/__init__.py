"""What every stage (generation, training, evaluation) may import: input errors and config files."""

"""Supervised fine-tuning on the dialogue records (TRL SFTTrainer, launched with accelerate)."""

"""Supervised fine-tuning with TRL's SFTTrainer on dialogue records (assistant-only loss)."""

from __future__ import annotations

import os
from pathlib import Path

from .data import DataArguments, DataError, build_splits


def check_model_path(name: str) -> None:
    """A local-looking path must exist; anything else is taken as a Hub id."""
    looks_local = name.startswith((".", "/", "~")) or Path(name).suffix or name.count("/") > 1
    if looks_local and not Path(name).expanduser().exists():
        raise DataError(f"model path does not exist: {name}")


def train(data_args: DataArguments, training_args, model_args) -> str:
    from transformers import AutoTokenizer
    from trl import SFTTrainer, get_peft_config

    if data_args.wandb_project:
        os.environ.setdefault("WANDB_PROJECT", data_args.wandb_project)
    if not model_args.model_name_or_path:
        raise DataError("no model given (model_name_or_path)")
    check_model_path(model_args.model_name_or_path)
    train_set, eval_set, held = build_splits(data_args)
    if eval_set is None and training_args.eval_strategy != "no":
        raise DataError("evaluation is on but the data has a single database: nothing to hold out")
    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path)
    training_args.model_init_kwargs = {**(training_args.model_init_kwargs or {}),
                                       "dtype": model_args.dtype or "auto",
                                       "attn_implementation": model_args.attn_implementation}
    trainer = SFTTrainer(
        model=model_args.model_name_or_path,
        args=training_args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        peft_config=get_peft_config(model_args),
    )
    trainer.accelerator.print(f"training on {len(train_set)} dialogues; validation: {len(eval_set or [])} "
                              f"dialogues from held-out databases {held}")
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.save_model(training_args.output_dir)
    return training_args.output_dir

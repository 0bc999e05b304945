#!/usr/bin/env python
"""Training throughput: tokens per second per GPU with padding-free packing on and off.

    python scripts/bench_training.py --model Qwen/Qwen3-4B-Thinking-2507 --dataset out/demo/dataset [--steps 20]

Needs a GPU; on a machine without one it says so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="Qwen/Qwen3-4B-Thinking-2507")
    parser.add_argument("--dataset", default="out/demo/dataset")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--max-length", type=int, default=8192)
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        print("no GPU on this machine: tokens/s per GPU is not measured (nothing to report)")
        return
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from training.data import DataArguments, build_splits

    train, _, _ = build_splits(DataArguments(datasets=[args.dataset], validation_fraction=0.0))
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    gpus = torch.cuda.device_count()
    for packing in (False, True):
        with tempfile.TemporaryDirectory() as out:
            config = SFTConfig(output_dir=out, max_steps=args.steps, per_device_train_batch_size=1 if not packing else 1,
                               max_length=args.max_length, packing=packing, padding_free=packing, bf16=True,
                               gradient_checkpointing=True, assistant_only_loss=True, report_to=[],
                               save_strategy="no", logging_steps=args.steps,
                               model_init_kwargs={"dtype": "bfloat16"})
            trainer = SFTTrainer(model=args.model, args=config, train_dataset=train, processing_class=tokenizer)
            torch.cuda.synchronize()
            start = time.perf_counter()
            trainer.train()
            torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            tokens = trainer.state.num_input_tokens_seen or sum(
                h.get("num_tokens", 0) for h in trainer.state.log_history[-1:])
            print(f"packing={'on (padding-free)' if packing else 'off'}: {tokens / seconds / gpus:.0f} tokens/s per GPU "
                  f"({args.steps} steps of {args.model} on {torch.cuda.get_device_name(0)} x{gpus}, max_length "
                  f"{args.max_length})")


if __name__ == "__main__":
    main()

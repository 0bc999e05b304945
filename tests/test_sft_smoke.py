"""The train split loads straight into TRL's SFTTrainer (conversational data with a tools column)."""

import pytest
from datasets import load_from_disk

from training.tiny import build_tiny_qwen3


def test_train_split_runs_two_sft_steps(demo_run, tmp_path):
    pytest.importorskip("trl")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    train = load_from_disk(str(demo_run / "dataset"))["train"]
    small = train.select(range(16)).select_columns(["messages", "tools"])
    corpus = [m["content"] or "" for row in small for m in row["messages"]]
    model_dir = build_tiny_qwen3(tmp_path / "tiny", corpus)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    rendered = tokenizer.apply_chat_template(small[0]["messages"], tools=small[0]["tools"], tokenize=False)
    assert "<tool_call>" in rendered and "<tool_response>" in rendered and '"name": "' in rendered
    trainer = SFTTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir),
        processing_class=tokenizer,
        train_dataset=small,
        args=SFTConfig(output_dir=str(tmp_path / "run"), max_steps=2, per_device_train_batch_size=2,
                       max_length=2048, report_to=[], use_cpu=True, logging_steps=1, save_strategy="no"),
    )
    result = trainer.train()
    assert result.global_step == 2
    assert all(l["loss"] > 0 for l in trainer.state.log_history if "loss" in l)

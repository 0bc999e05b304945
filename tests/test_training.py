"""Training on generated dialogues: TRL SFT of a tiny Qwen3 built offline, assistant-only loss."""

import json
import subprocess
import sys

import pytest
from datasets import Dataset, load_from_disk

from tests.conftest import ROOT
from training.tiny import build_tiny_qwen3

pytest.importorskip("trl")


@pytest.fixture(scope="module")
def tiny_model(demo_run, tmp_path_factory):
    rows = [json.loads(line) for line in (demo_run / "train.jsonl").read_text().splitlines()[:80]]
    corpus = [json.dumps(r["tools"]) + json.dumps(r["messages"]) for r in rows]
    return build_tiny_qwen3(tmp_path_factory.mktemp("model") / "tiny-qwen3", corpus, vocab_size=4096)


def run_training(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "training", "--config", str(ROOT / "configs/training/cpu_tiny.yaml"),
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_tiny_qwen3_learns_and_checkpoints_reload(demo_run, tiny_model, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "sft"
    proc = run_training("--model_name_or_path", str(tiny_model), "--datasets", str(demo_run / "dataset"),
                        "--output_dir", str(out), "--dataset_max_samples", "24", "--max_steps", "8",
                        "--eval_steps", "4", "--save_steps", "4", "--logging_steps", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = json.loads(max(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
                       .joinpath("trainer_state.json").read_text())
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    assert losses[-1] < losses[0]
    assert state["best_model_checkpoint"]  # best checkpoint by validation loss
    assert "held-out databases" in proc.stdout + proc.stderr
    AutoModelForCausalLM.from_pretrained(out)


@pytest.mark.parametrize("template", ["qwen3 (TRL training template)", "ours (ChatML with tools)"])
def test_assistant_only_loss_masks_system_user_and_tool_tokens(demo_run, tiny_model, template):
    from transformers import AutoTokenizer
    from trl.chat_template_utils import get_training_chat_template

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    chat_template = (get_training_chat_template(tokenizer) if template.startswith("qwen3")
                     else (ROOT / "training/templates/chatml_tools_training.jinja").read_text())
    row = load_from_disk(str(demo_run / "dataset"))["train"][0]
    messages = [{k: v for k, v in m.items() if v is not None} for m in row["messages"]]
    out = tokenizer.apply_chat_template(messages, tools=row["tools"], tokenize=True, return_dict=True,
                                        return_assistant_tokens_mask=True,
                                        chat_template=chat_template)
    ids, mask = out["input_ids"], out["assistant_masks"]
    trained = tokenizer.decode([t for t, m in zip(ids, mask) if m])
    masked = tokenizer.decode([t for t, m in zip(ids, mask) if not m])
    calls = [m for m in messages if m.get("tool_calls")]
    texts = [m["content"] for m in messages if m["role"] == "assistant" and m.get("content")]
    assert calls and texts
    assert calls[0]["tool_calls"][0]["function"]["name"] in trained and "<tool_call>" in trained
    assert texts[-1][:40] in trained
    for m in messages:
        if m["role"] in ("system", "user", "tool") and m.get("content"):
            assert m["content"][:30] in masked and m["content"][:30] not in trained


@pytest.mark.parametrize("problem", ["unknown_key", "missing_model", "no_messages", "bad_arguments"])
def test_bad_input_is_a_one_line_error(demo_run, tiny_model, tmp_path, problem):
    args = ["--model_name_or_path", str(tiny_model), "--datasets", str(demo_run / "dataset"),
            "--output_dir", str(tmp_path / "o"), "--max_steps", "1"]
    if problem == "unknown_key":
        args += ["--colour", "blue"]
    elif problem == "missing_model":
        args[1] = str(tmp_path / "no-such-model")
    elif problem == "no_messages":
        Dataset.from_dict({"text": ["hello"]}).save_to_disk(str(tmp_path / "plain"))
        args[3] = str(tmp_path / "plain")
    else:
        data = load_from_disk(str(demo_run / "dataset"))["train"].select(range(4))
        rows = [dict(r) for r in data]
        call_message = next(m for m in rows[2]["messages"] if m["tool_calls"])
        call_message["tool_calls"][0]["function"]["arguments"] = "{not json"
        Dataset.from_list(rows, features=data.features).save_to_disk(str(tmp_path / "bad"))
        args[3] = str(tmp_path / "bad")
    proc = run_training(*args)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    expected = {"unknown_key": "colour", "missing_model": "no-such-model", "no_messages": "messages",
                "bad_arguments": "not JSON"}[problem]
    assert expected in lines[0]


def test_lora_path_saves_an_adapter(demo_run, tiny_model, tmp_path):
    out = tmp_path / "lora"
    proc = run_training("--model_name_or_path", str(tiny_model), "--datasets", str(demo_run / "dataset"),
                        "--output_dir", str(out), "--dataset_max_samples", "12", "--max_steps", "3",
                        "--eval_strategy", "no", "--load_best_model_at_end", "false", "--save_strategy", "no",
                        "--use_peft", "--lora_r", "8", "--lora_alpha", "16", "--lora_target_modules", "all-linear")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "adapter_config.json").is_file() and (out / "adapter_model.safetensors").is_file()


def test_accelerate_launch_path(demo_run, tiny_model, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(ROOT / "configs/accelerate/cpu.yaml"), "-m", "training",
         "--config", str(ROOT / "configs/training/cpu_tiny.yaml"), "--model_name_or_path", str(tiny_model),
         "--datasets", str(demo_run / "dataset"), "--output_dir", str(tmp_path / "acc"),
         "--dataset_max_samples", "8", "--max_steps", "2", "--eval_strategy", "no",
         "--load_best_model_at_end", "false", "--save_strategy", "no"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "acc" / "model.safetensors").is_file()


def test_wandb_logging_offline(demo_run, tiny_model, tmp_path):
    pytest.importorskip("wandb")
    import os

    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_DIR": str(tmp_path), "WANDB_SILENT": "true"}
    proc = subprocess.run([sys.executable, "-m", "training", "--config", str(ROOT / "configs/training/cpu_tiny.yaml"),
                           "--model_name_or_path", str(tiny_model), "--datasets", str(demo_run / "dataset"),
                           "--output_dir", str(tmp_path / "o"), "--dataset_max_samples", "8", "--max_steps", "2",
                           "--eval_strategy", "no", "--load_best_model_at_end", "false", "--save_strategy", "no",
                           "--report_to", "wandb", "--wandb_project", "tooldial-test", "--run_name", "tiny-run",
                           "--logging_steps", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = list((tmp_path / "wandb").glob("offline-run-*"))
    assert runs and any(runs[0].rglob("*.wandb"))

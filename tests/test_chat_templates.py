"""Records render with the chat templates TRL ships for the families people train: each tool call's
arguments appear once, as an object, never as a JSON string encoded a second time. Datasets saved
before schema 1.4 (arguments as text) still train."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trl
from transformers.utils.chat_template_utils import render_jinja_template

from generation.records import DialogueRecord
from tests.conftest import ROOT, read_jsonl
from training.data import DataArguments, build_splits

STOCK = ("qwen3", "qwen2_5", "llama3_1", "gptoss")
TEMPLATES = Path(trl.__file__).parent / "chat_templates"


@pytest.fixture(scope="module")
def rows(demo_run):
    train, _validation, _held = build_splits(DataArguments(datasets=[str(demo_run / "dataset")],
                                                           validation_fraction=0))
    return [train[i] for i in range(0, len(train), 25)]


def _render(template: str, row: dict) -> str:
    out = render_jinja_template([row["messages"]], tools=json.loads(row["tools"]), chat_template=template)
    text = out[0]
    return text[0] if isinstance(text, list) else text


@pytest.mark.parametrize("name", STOCK + ("ours",))
def test_every_call_renders_its_arguments_once_as_an_object(rows, name):
    template = (ROOT / "training/templates/chatml_tools_training.jinja" if name == "ours"
                else TEMPLATES / f"{name}.jinja").read_text()
    checked = 0
    for row in rows:
        text = _render(template, row)
        calls = [c["function"]["arguments"] for m in row["messages"] for c in m.get("tool_calls") or []]
        for args in calls:
            assert isinstance(args, dict)
            shown = json.dumps(args, ensure_ascii=False)
            assert text.count(shown) == sum(json.dumps(a, ensure_ascii=False) == shown for a in calls), shown
            assert json.dumps(shown)[1:-1] not in text  # no second encoding ("{\"limit\": 3}")
            checked += 1
    assert checked >= 20


def test_saved_rows_hold_objects_and_read_back_as_text(demo_run):
    row = read_jsonl(demo_run / "train.jsonl")[0]
    assert row["schema_version"] == "1.4"
    calls = [c for m in row["messages"] for c in m.get("tool_calls") or []]
    assert calls and all(isinstance(c["function"]["arguments"], dict) for c in calls)
    record = DialogueRecord.model_validate(row)
    first = next(c for m in record.messages for c in m.tool_calls or [])
    assert json.loads(first.function.arguments) == calls[0]["function"]["arguments"]
    assert DialogueRecord.model_validate(record.to_row()) == record  # the round trip is exact


def test_a_dataset_saved_before_1_4_still_trains(demo_run, tmp_path):
    from datasets import Dataset

    rows = read_jsonl(demo_run / "train.jsonl")[:5]
    for row in rows:  # as schema 1.3 wrote them: arguments as JSON text
        row["schema_version"] = "1.3"
        for m in row["messages"]:
            for c in m.get("tool_calls") or []:
                c["function"]["arguments"] = json.dumps(c["function"]["arguments"])
    old = tmp_path / "old"
    Dataset.from_list([{"messages": r["messages"], "tools": [json.dumps(t) for t in r["tools"]], "id": r["id"],
                        "environment": json.dumps(r["environment"])} for r in rows]).save_to_disk(str(old))
    train, _v, _h = build_splits(DataArguments(datasets=[str(old)], validation_fraction=0))
    calls = [c for m in train[0]["messages"] for c in m.get("tool_calls") or []]
    assert calls and all(isinstance(c["function"]["arguments"], dict) for c in calls)
    assert DialogueRecord.model_validate(rows[0] | {"schema_version": "1.4"}).messages

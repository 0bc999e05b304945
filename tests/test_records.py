import json

from datasets import load_from_disk

from generation.records import SCHEMA_VERSION, DialogueRecord, to_dataset


def test_default_run_loads_and_round_trips(demo_run):
    data = load_from_disk(str(demo_run / "dataset"))
    assert set(data) == {"train", "rejected"}
    assert len(data["train"]) >= 200
    row = data["train"][0]
    record = DialogueRecord.from_row(row)
    assert record.schema_version == SCHEMA_VERSION
    assert record.environment.kind == "sql" and len(record.environment.source_sha256) == 64
    again = DialogueRecord.from_row(to_dataset([record])[0])
    assert again == record


def test_arrow_keeps_tool_arguments_and_specs_intact(demo_run):
    """Arrow must not merge keys across rows: each call's arguments are its own object (no key of another
    call's, no nulls), specs keep their own keys."""
    train = load_from_disk(str(demo_run / "dataset"))["train"]
    for row in train.select(range(50)):
        names = {t["function"]["name"] for t in row["tools"]}
        for tool in row["tools"]:
            props = tool["function"]["parameters"]["properties"]
            assert None not in props.values()
            assert all(isinstance(v, dict) for v in props.values())
        for message in row["messages"]:
            for call in message["tool_calls"] or []:
                arguments = call["function"]["arguments"]
                assert isinstance(arguments, dict) and None not in arguments.values()
                assert call["function"]["name"] in names
        called = [c for m in row["messages"] for c in m["tool_calls"] or []]
        record = DialogueRecord.from_row(row)  # and back to the wire format's text
        made = [c for m in record.messages for c in m.tool_calls or []]
        assert [json.loads(c.function.arguments) for c in made] == [c["function"]["arguments"] for c in called]
        for message in row["messages"]:
            if message["role"] == "tool":
                json.loads(message["content"])
                assert message["tool_call_id"] and message["name"]


def test_record_contract_rejects_unknown_fields():
    import pytest
    from pydantic import ValidationError

    from generation.records import Message

    with pytest.raises(ValidationError):
        Message(role="user", content="hi", colour="red")
    with pytest.raises(ValidationError):
        Message(role="narrator", content="hi")


def test_a_split_without_any_tool_call_saves_and_loads(demo_run, tmp_path):
    """datasets cannot build a Json column nested in lists that are all null: such a split types the
    unused arguments as text, and saves and loads like any other."""
    row = json.loads((demo_run / "train.jsonl").read_text().splitlines()[0])
    row["messages"] = [m for m in row["messages"] if not m.get("tool_calls")]
    to_dataset([row]).save_to_disk(str(tmp_path / "no_calls"))
    assert load_from_disk(str(tmp_path / "no_calls"))[0]["id"] == row["id"]

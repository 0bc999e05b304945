"""The dialogue record contract: the one schema generation writes and training/evaluation read.

One row per dialogue. ``messages`` and ``tools`` follow the OpenAI chat format so the ``train``
split loads straight into TRL's ``SFTTrainer``; the other columns make the dialogue
re-executable (environment) and auditable (tasks, simulation, validation, stats).

Arrow unifies struct keys across rows, so free-form JSON (tool specs, JSON schemas, call
arguments) is stored with ``datasets.Json()`` or as JSON text, never as a plain struct.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1.4"  # 1.1: simulated environments (kind "simulated", tools without SQL); 1.2: subtask intent;
# 1.3: the simulated user's persona and scenario; 1.4: saved tool-call arguments are JSON objects (stock chat
# templates encode them once), read back as text; rows of 1.1-1.3 (arguments as text) still load

Role = Literal["system", "user", "assistant", "tool"]
Difficulty = Literal["easy", "medium", "hard"]
Mode = Literal["task_oriented", "user_oriented"]
Execution = Literal["sql", "simulated"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FunctionCall(_Model):
    name: str
    arguments: str  # JSON text, as in the OpenAI wire format (a saved row holds the object: ``to_row``)

    @field_validator("arguments", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        """A saved row's object (schema 1.4) back to the wire format's text."""
        return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


class ToolCall(_Model):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(_Model):
    role: Role
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None
    reasoning_content: str | None = None


class EnvironmentTool(_Model):
    """Everything needed to re-execute one tool: its SQL and the schema of what it returns."""

    name: str
    sql: str | None  # None for a simulated tool
    returns: dict[str, Any]
    table: str
    writes: bool


class Environment(_Model):
    kind: Literal["sql", "simulated"] = "sql"
    db_id: str  # the database, or the toolset's name for simulated tools
    source_sha256: str
    tools: list[EnvironmentTool]


class PlannedCall(_Model):
    """One concrete call of a gold plan.

    ``bindings`` maps a parameter to ``"<call index>.<field>"``: its value came from the output of
    an earlier call of the same task (this is what makes a step dependent); ``tasks.calls`` reads
    and writes these references.
    """

    tool: str
    arguments: dict[str, Any]
    bindings: dict[str, str] = Field(default_factory=dict)


class ExpectedCall(_Model):
    tool: str
    arguments: dict[str, Any]  # values or "{{call_<i>.<field>}}" placeholders


class Rubric(_Model):
    success_criteria: list[str]
    expected_calls: list[ExpectedCall]
    checkpoints: list[str]


class Subtask(_Model):
    request: str  # how a user would ask for it
    calls: list[int]  # indices into the task's gold plan
    answers: list[str] = Field(default_factory=list)  # values the agent must communicate
    writes: bool = False
    # what is asked, structured (generation/tasks/intent.py), so a user can word it freshly each time
    intent: dict[str, Any] | None = None


class Task(_Model):
    task_id: str
    description: str  # declarative end goal ("descriptive task")
    difficulty: Difficulty
    subtasks: list[Subtask]
    rubric: Rubric
    gold_plan: list[PlannedCall]
    builds_on: str | None = None  # task_id of an earlier task whose results it extends


class Simulation(_Model):
    mode: Mode
    execution: Execution
    user_policy: str
    agent_policy: str
    seed: int
    source_record_id: str | None = None
    completed: bool = False  # the user signalled is_task_complete
    termination: str = ""
    persona: str | None = None  # how the simulated user talks (simulation/voice.py)
    scenario: str | None = None  # who the user is and why they came (tasks/scenario.py)


class Check(_Model):
    name: str
    passed: bool
    detail: str


class Validation(_Model):
    passed: bool
    checks: list[Check]
    final_db_hash: str
    gold_db_hash: str


class Stats(_Model):
    turns: int  # every non-system message: user, assistant, tool call and tool output
    steps: int  # tool-calling iterations of the agent, summed over user requests
    tasks: int
    tool_calls: int
    user_requests: int


class DialogueRecord(_Model):
    schema_version: str = SCHEMA_VERSION
    id: str
    messages: list[Message]
    tools: list[dict[str, Any]]  # OpenAI function specs offered in this dialogue
    environment: Environment
    tasks: list[Task]
    simulation: Simulation
    validation: Validation
    stats: Stats

    def to_row(self) -> dict[str, Any]:
        row = self.model_dump(mode="json")
        row["environment"] = self.environment.model_dump(mode="json")
        return saved_row(row)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "DialogueRecord":
        row = dict(row)
        for key in ("tools", "tasks"):
            if row.get(key) is not None:
                row[key] = [json.loads(v) if isinstance(v, str) else v for v in row[key]]
        if isinstance(row.get("environment"), str):
            row["environment"] = json.loads(row["environment"])
        row["messages"] = [_drop_nulls(m) for m in row["messages"]]
        return cls.model_validate(row)


def saved_row(row: dict[str, Any]) -> dict[str, Any]:
    """A record row as it is saved (dataset and JSONL): tool-call arguments as objects (schema 1.4)."""
    messages = []
    for message in row["messages"]:
        if message.get("tool_calls"):
            message = message | {"tool_calls": [
                call | {"function": call["function"] | {"arguments": arguments_object(call["function"]["arguments"])}}
                for call in message["tool_calls"]]}
        messages.append(message)
    return row | {"messages": messages}


def arguments_object(text: Any) -> Any:
    """Tool-call arguments as a saved row holds them: the JSON object, or the text itself when it is not
    one (a malformed call an LLM agent made stays visible as it was)."""
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text
    return value if isinstance(value, dict) else text


def _drop_nulls(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if v is not None}


def hf_features(calls: bool = True):
    """The Arrow schema of a record row; shared by every split so empty splits still load. ``calls``:
    some row has a tool call (datasets 5.2 cannot build a ``Json`` column nested in lists that are all
    null, so a split without any call types its never-used arguments as text)."""
    from datasets import Features, Json, List, Value

    # an object: stock templates encode it once
    function = {"name": Value("string"), "arguments": Json() if calls else Value("string")}
    tool_call = {"id": Value("string"), "type": Value("string"), "function": function}
    message = {
        "role": Value("string"),
        "content": Value("string"),
        "tool_calls": List(tool_call),
        "tool_call_id": Value("string"),
        "name": Value("string"),
        "reasoning_content": Value("string"),
    }
    check = {"name": Value("string"), "passed": Value("bool"), "detail": Value("string")}
    return Features(
        {
            "schema_version": Value("string"),
            "id": Value("string"),
            "messages": List(message),
            "tools": List(Json()),
            "environment": Json(),
            "tasks": List(Json()),
            "simulation": {
                "mode": Value("string"),
                "execution": Value("string"),
                "user_policy": Value("string"),
                "agent_policy": Value("string"),
                "seed": Value("int64"),
                "source_record_id": Value("string"),
                "completed": Value("bool"),
                "termination": Value("string"),
                "persona": Value("string"),
                "scenario": Value("string"),
            },
            "validation": {
                "passed": Value("bool"),
                "checks": List(check),
                "final_db_hash": Value("string"),
                "gold_db_hash": Value("string"),
            },
            "stats": {k: Value("int64") for k in Stats.model_fields},
        }
    )


def to_dataset(records: list[DialogueRecord] | list[dict[str, Any]]):
    """A ``datasets.Dataset`` of records (or their ``to_row`` dicts) with the contract's features."""
    from datasets import Dataset

    rows = [r.to_row() if isinstance(r, DialogueRecord) else saved_row(r) for r in records]
    features = hf_features(calls=any(m.get("tool_calls") for row in rows for m in row["messages"]))
    return Dataset.from_dict({k: [row[k] for row in rows] for k in features}, features=features)

"""What the scripted server answers for each role: the agent picks the tool whose name best matches
the user's words, the user simulator walks through its goal, the task writer plans a search or one
tool, the tool simulator returns an example of the return schema, the judge approves."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from loopback import toolprep

WORD = re.compile(r"[a-z]+")
VERBS = {"find": "search", "search": "search", "look": "search", "change": "update", "update": "update",
         "set": "update", "delete": "delete", "remove": "delete", "add": "create", "new": "create",
         "linked": "list", "which": "list", "summary": "summarize", "many": "summarize", "highest": "list",
         "most": "rank", "between": "find", "belong": "get", "confirm": "get", "double": "get",
         "switch": "update", "fix": "update", "make": "update", "pull": "search", "check": "search",
         "register": "create", "create": "create", "rid": "delete", "count": "summarize", "part": "get",
         "under": "get", "top": "rank", "whose": "find"}


def example(schema: dict[str, Any], depth: int = 0) -> Any:
    """A small value that conforms to ``schema``."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(v, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [example(schema.get("items", {}), depth + 1) for _ in range(1 if depth else 2)]
    return {"integer": 7, "number": 1.5, "boolean": True, "null": None}.get(kind, "sample")


def _tokens(text: str) -> set[str]:
    words = set(WORD.findall(text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s")} | {VERBS[w] for w in words if w in VERBS}


def _named(text: str, name: str) -> str | None:
    """The value said after a field's words ('member id 8', 'status returned'), up to a comma."""
    gap = r"\s+(?:\.\.\.\s+)?(?:(?:is|of)\s+)?(?:\.\.\.\s+)?"  # the user's " ... " between word groups
    found = re.search(rf"\b{re.escape(name.replace('_', ' '))}{gap}([^,?;]+?)(?=[,?;]|\.(?:\s|$)|$)", text, re.I)
    return found.group(1).strip().strip('"') if found else None


def _typed(value: str, kind: str | None) -> Any:
    try:
        return int(value) if kind == "integer" else float(value) if kind == "number" else value
    except ValueError:
        return None


def _arguments(function: dict[str, Any], text: str) -> dict[str, Any]:
    """Arguments as a literal-minded model would take them: values said after the field's words,
    then quoted text and numbers in order for what is still required."""
    params = function.get("parameters") or {}
    props = params.get("properties", {})
    called = re.search(r"\bcalled\s+([^,?;]+?)(?=[,?;]|\.(?:\s|$)|$)", text)
    quoted = re.findall(r'"([^"]+)"', text) or ([called.group(1).strip()] if called else [])
    numbers = [int(n) for n in re.findall(r"\b\d+\b", text)]
    args: dict[str, Any] = {}
    for name, spec in props.items():
        said = _named(text, name)
        if said is not None and _typed(said, spec.get("type")) is not None and name != "limit":
            args[name] = _typed(said, spec.get("type"))
    for name in params.get("required", []):
        if name in args:
            continue
        spec = props.get(name, {})
        kind = spec.get("type")
        if kind == "integer":
            args[name] = numbers.pop(0) if numbers else 1
        elif kind == "number":
            args[name] = float(numbers.pop(0)) if numbers else 1.0
        elif kind == "boolean":
            args[name] = False
        else:
            args[name] = quoted.pop(0) if quoted else example(spec)
    return args


WRITES = ("create_", "add_", "update_", "set_", "delete_", "remove_")
CONFIRM = "Shall I go ahead?"
YES = re.compile(r"\s*(yes|yep|yeah|ok|okay|sure|correct|right|fine|alright|exactly|confirmed|go)\b", re.I)


def agent_reply(body: dict[str, Any]) -> dict[str, Any]:
    messages = body["messages"]
    last = messages[-1]
    if last["role"] == "tool":
        outputs = []
        for m in reversed(messages):
            if m["role"] != "tool":
                break
            value = json.loads(m["content"]) if m["content"].strip()[:1] in "[{" else m["content"]
            rows = value if isinstance(value, list) else [value]
            outputs += [", ".join(f'{k}: "{v}"' if isinstance(v, str) else f"{k}: {json.dumps(v)}"
                                  for k, v in r.items()) if isinstance(r, dict) else json.dumps(r) for r in rows]
        return {"role": "assistant", "content": "Here is what I found. " + "; ".join(outputs)}
    text = last.get("content") or ""
    approved = (messages[-2].get("content") or "").endswith(CONFIRM) and bool(YES.match(text))
    if approved:
        text = messages[-3].get("content") or ""  # approved: the request the agent asked about
    wanted = _tokens(text)
    verbs = {VERBS[w] for w in WORD.findall(text.lower()) if w in VERBS}

    def score(tool: dict[str, Any]) -> tuple[int, int]:
        name = tool["function"]["name"]
        # the action the user asks for weighs more than nouns that a field list happens to share
        return (len(_tokens(name.replace("_", " ")) & wanted) + 2 * (name.split("_")[0] in verbs), -len(name))

    best = max(body["tools"], key=score)
    name, arguments = best["function"]["name"], _arguments(best["function"], text)
    if name.startswith(WRITES) and not approved:
        # like a careful agent (and tau2's policies): a change waits for the user's approval
        said = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in arguments.items())
        return {"role": "assistant", "content": f"I will {name.replace('_', ' ')} with {said}. " + CONFIRM}
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": f"call_{len(messages)}", "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def user_reply(body: dict[str, Any]) -> dict[str, Any]:
    system = body["messages"][0]["content"]
    goal = system.split("## Your goal", 1)[1].split("## How to behave", 1)[0]
    parts = [p.strip(" .") for p in re.split(r", then |, and finally |\n- |\n", goal) if p.strip(" .-")]
    parts = [re.sub(r"^(- )?(You use the .*?system\. )?(You want to )?", "", p) for p in parts]
    last = body["messages"][-1]
    if last["role"] == "user" and last["content"].rstrip().endswith(CONFIRM):
        return {"user_message": "Yes, please go ahead.", "is_task_complete": False}
    asked = sum(1 for m in body["messages"] if m["role"] == "assistant" and "Could you help me" in m["content"])
    if asked >= len(parts):
        return {"user_message": "Thanks, that is all I needed.", "is_task_complete": True}
    words = parts[asked].split()
    # short pieces, so the reply never pastes the goal's wording at length
    chunks = [" ".join(words[i:i + 3]) for i in range(0, len(words), 3)]
    return {"user_message": "Could you help me: " + " ... ".join(chunks), "is_task_complete": False}


def tool_reply(body: dict[str, Any]) -> Any:
    call = json.loads(body["messages"][-1]["content"])
    return example(call.get("returns") or {"type": "object"})


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0] if f"## {title}" in text else ""


def task_reply(prompt: str) -> dict[str, Any]:
    tools = {}
    for line in _section(prompt, "Tools").strip().split("\n\n")[0].splitlines():
        if not line.startswith("- "):
            continue
        name, _, rest = line[2:].partition(": ")
        props = json.loads(rest.rsplit("params=", 1)[1]) if "params=" in rest else {}
        tools[name] = props
    rows = {}
    for line in _section(prompt, "Sample rows (a limited view; the database holds more)").strip().splitlines():
        table, _, data = line.partition(": ")
        rows[table] = json.loads(data) if data.startswith("[") else []
    values = {re.sub(r"[^0-9a-z]+", "_", k.lower()).strip("_"): v
              for table_rows in rows.values() for r in table_rows[:1] for k, v in r.items() if isinstance(v, str)}
    if int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 3 == 0 and (change := _update_task(tools, rows)):
        return change
    for name, props in tools.items():
        if name.startswith("search_"):
            param = next((p for p in props if p != "limit"), None)
            if param in values:
                value = values[param]
                subject = name.removeprefix("search_").split("_by_")[0].replace("_", " ")
                return {"tasks": [{"description": f"You want to look up the {subject} with "
                                                  f"{param.replace('_', ' ')} {value}.",
                                   "difficulty": "easy",
                                   "subtasks": [{"request": f'Please find "{value}".', "calls": [0]}],
                                   "gold_plan": [{"tool": name, "arguments": {param: value}}],
                                   "rubric": {"success_criteria": [f"{value} is found"], "checkpoints": []}}]}
    pick = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % len(tools)
    names = list(tools)[pick:pick + 1]
    plan = [{"tool": n, "arguments": {p: example(s) for p, s in tools[n].items()}} for n in names]
    return {"tasks": [{"description": "You want this done: " + " and ".join(n.replace("_", " ") for n in names) + ".",
                       "difficulty": "easy",
                       "subtasks": [{"request": f"Please use {n.replace('_', ' ')}.", "calls": [i]}
                                    for i, n in enumerate(names)],
                       "gold_plan": plan, "rubric": {"success_criteria": ["both done"], "checkpoints": []}}]}


def _update_task(tools: dict[str, dict], rows: dict[str, list[dict]]) -> dict[str, Any] | None:
    """A change to a number of one row, with an ``update_`` tool that takes the row's key and the new
    value (``new_<field>``), when the sample rows show such a row."""
    for name, props in tools.items():
        new = next((p for p in props if p.startswith("new_")), None)
        key = next((p for p in props if p != new), None)
        if not name.startswith("update_") or new is None or key is None:
            continue
        for table_rows in rows.values():
            for row in table_rows:
                named = {re.sub(r"[^0-9a-z]+", "_", k.lower()).strip("_"): v for k, v in row.items()}
                field, old = new.removeprefix("new_"), named.get(new.removeprefix("new_"))
                if isinstance(named.get(key), int) and isinstance(old, int) and not isinstance(old, bool):
                    words = field.replace("_", " ")
                    return {"tasks": [{
                        "description": f"You want to change the {words} of record {named[key]} to {old + 1}.",
                        "difficulty": "easy",
                        "subtasks": [{"request": f"Please change the {words} of {named[key]} to {old + 1}.",
                                      "calls": [0]}],
                        "gold_plan": [{"tool": name, "arguments": {key: named[key], new: old + 1}}],
                        "rubric": {"success_criteria": [f"the {words} is {old + 1}"], "checkpoints": []}}]}
    return None


def role_of(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "agent"
    first = (body["messages"][0].get("content") or "")
    if first.startswith(toolprep.DESIGN_STAGES):
        return "tool_designer"
    for role in ("user simulator", "tool simulator", "judge", "task writer"):
        if first.startswith(f"# Role: {role}"):
            return role.replace(" ", "_")
    return "unknown"


def answer(body: dict[str, Any]) -> dict[str, Any]:
    role = role_of(body)
    if role == "agent":
        return agent_reply(body)
    if role == "user_simulator":
        content = user_reply(body)
    elif role == "tool_simulator":
        content = tool_reply(body)
    elif role == "judge":
        content = {"rubric": [{"item": "goal met", "category": "Critical", "met": True}],
                   "judgment": "valid", "reasoning": "The agent completed the requests with tool results."}
    elif role == "task_writer":
        content = task_reply(body["messages"][0]["content"])
    elif role == "tool_designer":
        content = toolprep.script(body)
    else:
        content = {"note": "unscripted role"}
    return {"role": "assistant", "content": json.dumps(content)}

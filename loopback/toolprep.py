"""A real OpenAI-compatible HTTP server on 127.0.0.1 that plays ``tool_designer`` from a script.

The stage is read from the prompt text; some replies are deliberately broken (bad JSON, a non-list,
an invalid parameter schema, duplicates, a conflicting ``user_id`` type, bad SQL) so the tests can
check that tool preparation counts, repairs and drops instead of crashing. The first attempt of a
request carries seed 0; a retry carries another seed, which some scripted replies answer properly.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from typing import Any

from aiohttp import web

from loopback import sql_designer
from loopback.base import chat_app, completion, json_response

DESIGN_STAGES = ("# SQL request questions", "# SQL request tools", "# SQL tool expansion")

QUESTIONS = [
    "Show me the orders of the customer called Alice Moreau",
    "I need help, something about my account",
    "What is the status of order 1042?",
    "Find customers named Jones and give me the details of product SKU-55",
    "Place an order for product SKU-55 for customer 7",
    "Mark order 1042 as shipped",
]


def _tool(name: str, description: str, props: dict[str, Any], required: list[str] | None = None) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": props,
                       "required": list(props) if required is None else required}}}


def _p(kind: str, description: str = "a value", **extra: Any) -> dict:
    return {"type": kind, "description": description, **extra}


TOOLS_BY_QUESTION: dict[int, Any] = {
    0: {"tools": [_tool("search_customers", "Search customers by name.", {"name": _p("string")}),
                  _tool("get_customer_orders", "List a customer's orders.", {"user_id": _p("integer")})]},
    1: {"tools": "none needed"},  # not a list, on every attempt
    2: "```json\n" + json.dumps([_tool("get_order", "Get one order.", {"order_id": _p("integer")})]) + "\n```",
    3: {"tools": [
        _tool("get_product", "Get a product.", {"sku": {"type": "strng", "description": "bad type"}}),
        {"type": "function", "function": {"description": "no name", "parameters": {"type": "object"}}},
        _tool("search_customers", "Search customers again.", {"name": _p("string")}),
        _tool("find_customer", "Find customers by name.", {"name": _p("string")}),
        _tool("getProductDetails", "Details of a product.", {"product_id": _p("string")}),
    ]},
    4: [_tool("create_order", "Place an order.", {"user_id": _p("string"), "product_id": _p("string")})],
    5: {"tools": [_tool("update_order_status", "Change an order's status.", {
        "order_id": _p("integer"),
        "status": _p("string", enum=["pending", "shipped", "delivered"]),
        "warehouse": _p("string", enum=[f"wh{i}" for i in range(30)]),
    }, required=["order_id", "status"])]},
}

EXPANSION = {"tools": [
    _tool("delete_order", "Cancel and delete an order.", {"order_id": _p("integer")}),
    _tool("calculate_average_total", "Average of order totals.", {"totals": _p("array", items={"type": "number"})}),
    _tool("get_order", "Get an order (again).", {"order_id": _p("integer")}),
    _tool("get_customer", "Get one customer.", {"user_id": _p("integer")}),
]}


def _obj(**props: Any) -> dict:
    return {"type": "object", "properties": props, "required": list(props)}


RETURNS: dict[str, Any] = {
    "search_customers": {"type": "array", "items": _obj(user_id=_p("integer"), name=_p("string"))},
    "get_customer_orders": {"type": "array", "items": _obj(
        order_id=_p("integer"), user_id=_p("string", "conflicts with the canonical integer"), total=_p("number"))},
    "get_order": _obj(order_id=_p("integer"), user_id=_p("integer"), status=_p("string")),
    "get_product_details": _obj(productId=_p("string"), price=_p("number")),
    "create_order": _obj(order_id=_p("integer"), user_id=_p(["string", "null"]), product_id=_p("integer")),
    "update_order_status": _obj(order_id=_p("integer"), status=_p("string")),
    "delete_order": "I cannot do that.",  # never a schema: the tool is rejected
    "get_customer": _obj(user_id=_p("integer"), name=_p("string"), email=_p("string")),
}

_P = {"type": "object"}


def _sql(name: str, props: dict[str, str], sql: str, **extra: Any) -> dict:
    return {"name": name, "description": f"{name.replace('_', ' ')}.", "sql": sql, **extra,
            "parameters": {**_P, "properties": {k: _p(v) for k, v in props.items()}, "required": list(props)}}


SQL_TOOLS = {"tools": [
    _sql("get_club_by_id", {"club_id": "integer"},
         'SELECT "Club_ID" AS club_id, "Name" AS name, "Region" AS region FROM club WHERE "Club_ID" = :club_id',
         single=True),
    _sql("search_clubs_by_name", {"name_pattern": "string", "limit": "integer"},
         "SELECT Club_ID AS club_id, Name AS name FROM club WHERE Name LIKE '%' || :name_pattern || '%' LIMIT :limit"),
    _sql("get_top_players_by_earnings", {"limit": "integer"},
         "SELECT p.Name AS name, p.Earnings AS earnings FROM player p ORDER BY p.Earnings DESC LIMIT :limit"),
    _sql("get_club_players_summary", {"club_id": "integer"},
         "SELECT c.Name AS club_name, COUNT(p.Player_ID) AS players, SUM(p.Earnings) AS total_earnings, "
         "AVG(p.Earnings) AS average_earnings FROM club c LEFT JOIN player p ON p.Club_ID = c.Club_ID "
         "WHERE c.Club_ID = :club_id GROUP BY c.Club_ID", single=True),
    _sql("get_player_stats_summary", {"player_id": "integer"},
         "SELECT Name AS name, CASE WHEN Earnings > 0 THEN CAST(Earnings AS REAL) / 1000 ELSE NULL END "
         "AS earnings_thousands FROM player WHERE Player_ID = :player_id"),
    _sql("add_new_club", {"name": "string", "region": "string", "founded": "integer"},
         "INSERT INTO club (Name, Region, Founded) VALUES (:name, :region, :founded)"),
    _sql("update_player_earnings", {"player_id": "integer", "earnings": "number"},
         "UPDATE player SET Earnings = :earnings WHERE Player_ID = :player_id "
         "RETURNING Player_ID AS player_id, Earnings AS earnings", single=True),
    _sql("delete_player", {"player_id": "string"},
         "DELETE FROM player WHERE Player_ID = :player_id RETURNING Player_ID AS player_id, Name AS name"),
    _sql("get_club_nickname", {"club_id": "integer"},  # no such column
         "SELECT Nickname FROM club WHERE Club_ID = :club_id", single=True),
    _sql("search_players_in_region", {"region": "string"},  # :limit has no parameter
         "SELECT p.Name FROM player p JOIN club c ON c.Club_ID = p.Club_ID WHERE c.Region = :region LIMIT :limit"),
    _sql("get_player_by_id", {"player_id": "integer", "verbose": "boolean"},  # verbose is never bound
         "SELECT Name FROM player WHERE Player_ID = :player_id", single=True),
    _sql("get_stadium", {"stadium_id": "integer"}, "SELECT * FROM stadium WHERE id = :stadium_id"),
]}


def script(body: dict[str, Any]) -> Any:
    """The reply (a JSON-able value or raw text) to one chat request."""
    messages = body["messages"]
    first = body.get("seed") in (None, 0)
    prompt = messages[-1]["content"]
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    if "# Question generation" in prompt:
        return "Here you go: [\"unterminated" if first else {"questions": QUESTIONS}
    if "# Tool generation" in prompt:
        question = re.search(r"User request: (.*)", prompt).group(1).strip()
        i = QUESTIONS.index(question)
        if i == 2 and first:
            return "{'tools': oops"
        return TOOLS_BY_QUESTION[i]
    if "# Tool expansion" in prompt:
        return EXPANSION
    if "# Return schemas" in system:
        name = json.loads(prompt.split("\n", 1)[1])["name"]
        if name == "get_order" and first:
            return {"type": "objekt"}
        return RETURNS.get(name, {"type": "object"})
    if prompt.startswith(DESIGN_STAGES):
        return sql_designer.reply(prompt, SQL_TOOLS)
    return "unknown stage"


class ScriptedServer:
    """Runs in a daemon thread with its own event loop; ``requests`` keeps every request body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_stages: set[str] = set()  # prompt markers answered with HTTP 400
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = ""

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        text = json.dumps(body["messages"])
        if any(marker in text for marker in self.fail_stages):
            return web.json_response({"error": {"message": "scripted refusal"}}, status=400)
        reply = script(body)
        content = reply if isinstance(reply, str) else json.dumps(reply)
        return json_response(completion({"role": "assistant", "content": content}, model=body.get("model"),
                                        id=f"cmpl-{len(self.requests)}", prompt_tokens=len(text) // 4,
                                        completion_tokens=len(content) // 4))

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = chat_app(self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        self.loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/v1"
        self._ready.set()
        self.loop.run_forever()

    def start(self) -> "ScriptedServer":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("scripted server did not start")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

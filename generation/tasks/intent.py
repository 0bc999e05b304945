"""What a subtask asks for, as data: the user simulator words it afresh each time from this.

An intent is a JSON object with ``act`` and the pieces the words need, values as the rows hold them:

- ``find``: a row by its name (``noun``, ``name``)
- ``detail``: one field of a row (``field``)
- ``children`` / ``parent``: the rows linked to a row, or the one it belongs to (``target``: their noun)
- ``summary``: how many linked rows a row has (``target``, ``average``: the average is asked too)
- ``update``: a field of a row set to ``value``; ``slip``, when set, is another value of the field the
  user may say first and then correct (the gold plan holds ``value``); ``delete``: a row removed
- ``rank``: the three rows with the most linked ``target`` rows; ``top``: the three with the
  ``order`` (highest/lowest) ``field``; ``range``: rows whose ``field`` lies in ``low``..``high``
- ``create``: a new ``noun`` row with ``values`` (pairs of field words and value)

A row is described by ``noun`` (the table's words), ``name`` (its label value, or null) and ``key``
(its key value); ``ref`` says how the conversation knows it: ``new`` (first mentioned here),
``it`` (just mentioned in this task) or ``same`` (the row of the previous task).
"""

from __future__ import annotations

from typing import Any


def intent(act: str, **parts: Any) -> dict[str, Any]:
    """An intent with the pieces that are set (None left out)."""
    return {"act": act} | {k: v for k, v in parts.items() if v is not None}


def row_ref(noun: str, name: Any, key: Any, mention: str) -> dict[str, Any]:
    """How the user refers to a row: ``mention`` is the words the plan used ('it', 'that same x', or
    the row's own name)."""
    ref = "it" if mention == "it" else "same" if mention.startswith("that same") else "new"
    return {"noun": noun, "name": name, "key": key, "ref": ref}

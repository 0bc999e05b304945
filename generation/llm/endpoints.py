"""Where each role's requests go: base URL, model, key, sampling and concurrency, per role."""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROLES = ("agent", "user", "tool_simulator", "judge", "task_writer", "tool_designer")


class EndpointConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # one URL, or a pool of servers with the same model: each request goes to the one with the
    # fewest in flight, and one that keeps failing is set aside for a while (llm/routing.py)
    base_url: str | list[str] = "http://127.0.0.1:8000/v1"
    model: str = "default"
    api_key_env: str | None = "OPENAI_API_KEY"  # read at run time; never stored in configs or records
    temperature: float = 0.7
    max_tokens: int | None = None
    extra_body: dict[str, Any] = Field(default_factory=dict)  # e.g. {"reasoning_effort": "medium"}
    timeout_s: float = Field(120.0, gt=0)
    max_concurrency: int = Field(64, ge=1)
    max_attempts: int = Field(5, ge=1)
    retry_initial_s: float = Field(0.5, ge=0)  # first backoff; doubles per attempt, with jitter
    retry_max_s: float = Field(20.0, ge=0)

    @field_validator("base_url")
    @classmethod
    def _urls(cls, value: str | list[str]) -> str | list[str]:
        urls = [value] if isinstance(value, str) else value
        if not urls:
            raise ValueError("base_url: give one URL or a non-empty list of them")
        bad = next((u for u in urls if not u.startswith(("http://", "https://"))), None)
        if bad is not None:
            raise ValueError(f"base_url {bad!r} must start with http:// or https://")
        if len(set(urls)) != len(urls):
            raise ValueError("base_url lists a server twice")
        return value

    @property
    def urls(self) -> list[str]:
        """The pool's base URLs (one for a single server)."""
        return [self.base_url] if isinstance(self.base_url, str) else list(self.base_url)

    def data_fields(self) -> dict[str, Any]:
        """What shapes the replies (and so the data); where and how fast to ask does not."""
        return self.model_dump(include={"model", "temperature", "max_tokens", "extra_body"})

    def api_key(self) -> str:
        return os.environ.get(self.api_key_env or "", "") or "EMPTY"


class EndpointsConfig(BaseModel):
    """A default endpoint, and any role that should go elsewhere (its own server or model)."""

    model_config = ConfigDict(extra="forbid")

    default: EndpointConfig = Field(default_factory=EndpointConfig)
    roles: dict[str, dict[str, Any]] = Field(default_factory=dict)  # role -> fields to change

    @model_validator(mode="after")
    def _known_roles(self) -> "EndpointsConfig":
        for role in self.roles:
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
            self.for_role(role)  # the override must itself be a valid endpoint
        return self

    def for_role(self, role: str) -> EndpointConfig:
        return EndpointConfig.model_validate({**self.default.model_dump(), **self.roles.get(role, {})})

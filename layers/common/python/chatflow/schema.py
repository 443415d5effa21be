"""The base of every model that goes on the wire as JSON: camelCase there, snake_case in Python. The
dashboard API's requests and answers and the live updates' frames share it, so that one thing has
one shape wherever a client reads it."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["Schema"]


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    @classmethod
    def from_domain(cls, obj: object) -> Self:
        """The model of a domain object (a dataclass of the chatflow package) with fields of the same
        names: pydantic reads them, nested objects too, and checks each against the documented type."""
        return cls.model_validate(obj, from_attributes=True)

    def wire(self) -> dict[str, Any]:
        """As a client reads it: camelCase keys, JSON values."""
        return self.model_dump(mode="json", by_alias=True)

"""The base of every request and response model: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from chatflow.text import Storable

__all__ = ["Email", "Name", "Page", "Schema"]


def _lower(value: str) -> str:
    return value.lower()


# Deliberately looser than pydantic's EmailStr, which refuses special-use domains such as .local and
# .test that the local stack and the tests sign in with; Cognito and SES check addresses further.
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    AfterValidator(_lower),
]

# A person's, organisation's or channel's name.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable]


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


Item = TypeVar("Item")


class Page(Schema, Generic[Item]):
    items: list[Item]
    next_cursor: str | None = None

"""What every domain's payload module shares: base models, ids, times, cursors, pages, errors.

Each domain declares its request and response shapes once, in ``app/<domain>/payloads.py``, as
pydantic models built from the pieces here. The API validates with them, the sockets and the
pages' JSON bits send them, and the OpenAPI document is generated from them (``app/api/spec.py``).
Limits are read from the rules modules, never written here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict

from app.errors import HTTP_CODES, DomainError
from app.pagination import DEFAULT_LIMIT, INT_MAX, MAX_LIMIT, Page

T = TypeVar("T")


class Hint:
    """Field metadata: what to tell the caller when the field's pattern does not match.

    ``status`` 400 marks a field whose bad values are unreadable rather than invalid (cursors).
    """

    def __init__(self, message: Any, status: int = 422) -> None:
        self.message = message  # a lazy_gettext string: translated when the error is shown
        self.status = status


class Request(BaseModel):
    """A request body: strict JSON types, and no field that is not declared."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query-string parameters: text read as the declared types, and no undeclared one."""

    model_config = ConfigDict(extra="forbid")


class Patch(Request):
    """A PATCH body: every field optional, but at least one given with a value."""

    @model_validator(mode="after")
    def _one_value(self) -> Patch:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("nothing to change")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> JsonDict:
        schema = handler(core_schema)
        schema = handler.resolve_ref_schema(schema)
        # The document says what the validator checks: one property at least, and not null.
        schema["minProperties"] = 1
        schema["anyOf"] = [
            {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
            for name in cls.model_fields
        ]
        return schema


class Payload(BaseModel):
    """A response or socket payload: built by the domain, sent as JSON."""

    model_config = ConfigDict(extra="forbid")

    def json_dict(self) -> dict[str, Any]:
        """Return the payload as JSON-ready data: the fields given, nulls included.

        A field with a default that its builder did not give is left out: that is how optional
        fields (a comment's ``hidden``, a removal notice's ``reason``) appear only when they apply.
        """
        return self.model_dump(mode="json", exclude_unset=True)


# The longest list a body field may hold (ids to mark read): bounds the SQL a request causes.
LIST_MAX = 100


def _integral(value: Any) -> Any:
    """Read 18.0 as 18: JSON has one number type, and JSON Schema calls 18.0 an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number as JSON Schema means it (18.0 included, 1.5 and true not).
WholeNumber = Annotated[int, BeforeValidator(_integral)]
# A database id: PostgreSQL's int4, from 1.
Id = Annotated[int, Field(ge=1, le=INT_MAX), BeforeValidator(_integral)]
# A count shown beside content.
Count = Annotated[int, Field(ge=0)]
# A time in ISO 8601 UTC with a "Z", as app.timeutil.isoformat writes it.
Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
# What a text field may never hold: NUL (no database stores it).
NO_NUL = r"^[^\x00]*$"

# app.pagination.encode_cursor writes URL-safe base64 without padding of a JSON array, which
# always starts with "[" (base64 "W"). Which ones decode to a page is the server's to know.
# Empty is the first page, as if no cursor came.
CURSOR_PATTERN = r"^(W[A-Za-z0-9_-]*)?$"
Cursor = Annotated[
    str,
    Field(
        pattern=CURSOR_PATTERN,
        max_length=1024,
        description="The `next_cursor` of the previous page; one the server did not make is 400.",
    ),
]


def text(
    max_length: int | None = None,
    *,
    min_length: int | None = None,
    pattern: str = NO_NUL,
    hint: Any = None,
    description: str | None = None,
) -> Any:
    """Return a string type with these limits (NUL refused unless the pattern says more)."""
    extra: list[Any] = [
        Field(
            min_length=min_length, max_length=max_length, pattern=pattern, description=description
        )
    ]
    if hint is not None:
        extra.append(Hint(hint))
    return Annotated[str, *extra]


def choice(values: Iterable[str]) -> Any:
    """Return a string type that must be one of ``values`` (read from the rules)."""
    return Literal[tuple(values)]  # type: ignore[valid-type]


class ItemsPage(Payload, Generic[T]):
    """One page of a list: its items and the cursor of the next page (null on the last)."""

    items: list[T]
    next_cursor: Annotated[
        str | None,
        Field(description="Pass as `cursor` for the next page; null on the last one."),
    ]


def page_of(model: type[ItemsPage[Any]], page: Page[T], item: Callable[[T], Any]) -> ItemsPage:
    """Turn a page of domain objects into the list payload ``model``."""
    return model(items=[item(entry) for entry in page.items], next_cursor=page.next_cursor)


class PageQuery(Query):
    """``?limit=`` and ``?cursor=``, the same on every list."""

    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description=f"How many items (1-{MAX_LIMIT}).")
    ] = DEFAULT_LIMIT
    cursor: Annotated[Cursor | None, Hint(None, status=400)] = None

    @field_validator("cursor")
    @classmethod
    def _empty_is_first(cls, value: str | None) -> str | None:
        return value or None


# The codes app/errors.py answers with: one per HTTP status it names, "internal_error" for a
# bug, "error" for any other status, "mfa_required" (a right password, a code to come),
# "email_unverified" (writing waits for a verified address) and "invalid_token" (a mailed
# link's token that is unknown, expired, spent or not yours).
def _domain_codes(cls: type[DomainError]) -> list[str]:
    """Return the code of a domain error and of every error derived from it."""
    return [cls.code, *(code for sub in cls.__subclasses__() for code in _domain_codes(sub))]


# Every code an answer can carry: the HTTP statuses' and each domain error's (app/errors.py).
ERROR_CODES = tuple(
    dict.fromkeys([*HTTP_CODES.values(), "internal_error", "error", *_domain_codes(DomainError)])
)


class ErrorDetail(Payload):
    """What went wrong: a code, a message for people, and the fields at fault."""

    code: choice(ERROR_CODES)  # type: ignore[valid-type]
    message: str
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Only on 409 and 422: what is wrong with each field."
    )


class Error(Payload):
    """Every error answer of the API."""

    error: ErrorDetail

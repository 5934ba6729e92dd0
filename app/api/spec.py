"""The glue between the domains' payload models and Flask: validate, answer, and document.

``@operation(...)`` on a route declares its body, query and answers with the domains' pydantic
models; the same declaration checks each request (422 ``validation_error`` with ``fields``,
translated; malformed JSON 400 through app/jsonread.py) and writes the route into the OpenAPI
3.1 document, whose schemas are the models' own JSON Schema (2020-12, the dialect of 3.1).
docs/api.md says why this is ours and not a library's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Literal, TypeVar, get_args, get_origin

from annotated_types import Ge, Le
from flask import Flask, Response, g, jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from pydantic.fields import FieldInfo
from pydantic.json_schema import models_json_schema

from app import jsonread
from app.accounts.sessions import PendingSignIn
from app.accounts.tokens import caller_of_sign_in
from app.errors import BadRequest, Unauthorized, ValidationError
from app.jsonread import TooDeep
from app.payloads import Error, Hint, Query, Request

REF = "#/components/schemas/{model}"
M = TypeVar("M", bound=BaseModel)

ERROR_TEXT = {
    400: "Malformed JSON, a body that is not a JSON object, or a cursor the server did not make.",
    401: "Missing, expired or invalid credentials.",
    403: "Not allowed (a suspended account, a block, or someone else's).",
    404: "Not found.",
    409: "Conflicts with existing data; `fields` says which.",
    413: "The request body is larger than the route takes.",
    422: "A field is invalid; `fields` says which.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    503: "The database is briefly unreachable; retry after `Retry-After` seconds.",
}
# Every API route is rate-limited (app/ratelimits.py) and may meet a database outage.
ALWAYS = (429, 503)
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


@dataclass
class Operation:
    """What one route takes and answers, as the document and the checks read it."""

    summary: str
    tag: str
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    errors: tuple[int, ...] = ()
    body: type[Request] | None = None
    body_required: bool = True
    body_description: str = ""
    query: type[Query] | None = None
    auth: bool = False
    description: str = ""
    path: dict[str, str] = field(default_factory=dict)
    # A multipart/form-data body, documented from this model; the view reads the form itself.
    upload: type[Request] | None = None
    # A route that answers a file (a download): its media type, for the 200 answer.
    file_type: str | None = None


def operation(
    summary: str,
    tag: str,
    responses: dict[int, tuple[str, type[BaseModel] | None]],
    *,
    errors: tuple[int, ...] = (),
    body: type[Request] | None = None,
    body_required: bool = True,
    body_description: str = "",
    query: type[Query] | None = None,
    auth: bool = False,
    description: str = "",
    path: dict[str, str] | None = None,
    upload: type[Request] | None = None,
    file_type: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route's body, query and answers: checked on each request, and documented.

    The view gets the checked ``body`` and ``query`` models as keyword arguments, and returns a
    payload model (200 unless ``(payload, status)``) or None (204, no content); a route with a
    ``file_type`` returns its own response (a streamed file).
    """
    spec = Operation(
        summary=summary,
        tag=tag,
        responses=responses,
        errors=errors,
        body=body,
        body_required=body_required,
        body_description=body_description,
        query=query,
        auth=auth,
        description=description,
        path=path or {},
        upload=upload,
        file_type=file_type,
    )

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if spec.auth and g.get("api_caller") is None and g.get("api_pending") is None:
                raise Unauthorized(_("Sign in first: this route needs an access token."))
            try:
                if spec.query is not None:
                    kwargs["query"] = validate(spec.query, request.args.to_dict())
                if spec.body is not None:
                    kwargs["body"] = validate(spec.body, json_body(required=spec.body_required))
                result = view(*args, **kwargs)
            except Exception:
                finish_token_check()  # an ended sign-in hears 401, not what went wrong
                raise
            # A light route's token is checked by its own statement, else here: before anything
            # of its answer leaves.
            finish_token_check()
            return answer(result)

        wrapper.__operation__ = spec  # type: ignore[attr-defined]
        return wrapper

    return decorate


def finish_token_check() -> None:
    """End a light route's token check (401 or 403 now if its sign-in ended or may not act)."""
    pending: PendingSignIn | None = g.get("api_pending")
    if pending is not None:
        g.api_pending = None
        g.api_caller = caller_of_sign_in(pending)


def answer(result: Any) -> Response:
    """Turn what a view returned into the response: JSON, or 204 with no content type."""
    status = None
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, Response):
        return result  # a file, streamed by the route itself
    if result is None:
        # 204, or an empty 202 (accepted: a mail is on its way).
        response = Response(status=status or 204)
        # Nothing is sent, so nothing is typed (Flask would say text/html).
        del response.headers["Content-Type"]
        return response
    if isinstance(result, BaseModel):
        # Fields with a default that the builder left unset are optional and left out.
        result = result.model_dump(mode="json", exclude_unset=True)
    response = jsonify(result)
    if status is not None:
        response.status_code = status
    return response


def json_body(*, required: bool = True) -> dict[str, Any]:
    """Return the request's JSON object; 400 for malformed JSON or another JSON type."""
    raw = request.get_data(cache=True)
    if not raw:
        if not required:
            return {}  # no body at all: the route's defaults
        raise BadRequest(_("Send a JSON object as the request body."))
    try:
        body = jsonread.loads(raw)
    except TooDeep as exc:
        message = _("The request body nests deeper than %(n)d levels.", n=jsonread.MAX_DEPTH)
        raise BadRequest(message) from exc
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise BadRequest(_("The request body is not valid JSON.")) from exc
    if not isinstance(body, dict):
        raise BadRequest(_("The request body must be a JSON object."))
    return body


def validate(model: type[M], data: dict[str, Any]) -> M:
    """Check ``data`` against ``model``; 422 with translated messages per field (400 cursors)."""
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        fields: dict[str, list[str]] = {}
        unreadable = False
        for error in exc.errors(include_url=False, include_input=False):
            names = [str(error["loc"][0])] if error["loc"] else list(model.model_fields)
            for name in names:
                meta = _metadata(model, name)
                hint = next((item for item in meta if isinstance(item, Hint)), None)
                unreadable = unreadable or (hint is not None and hint.status == 400)
                message = _message(error, hint, meta)
                if message not in fields.setdefault(name, []):
                    fields[name].append(message)
        if unreadable:
            raise BadRequest(_("That cursor is not one this server made.")) from exc
        raise ValidationError(_("Some fields need attention."), fields) from exc


def _metadata(model: type[BaseModel], name: str) -> list[Any]:
    """Return what a field's type says of it: hints, bounds, and the members of its unions."""
    info = model.model_fields.get(name)
    if info is None:
        return []
    found: list[Any] = []

    def walk(items: Any) -> None:
        for item in items:
            found.append(item)
            inner = [
                *getattr(item, "__metadata__", ()),
                *get_args(item),
                *(item.metadata if isinstance(item, FieldInfo) else ()),
            ]
            if inner and not isinstance(item, str):
                walk(inner)

    walk([*info.metadata, info.annotation])
    return found


def _message(error: Any, hint: Hint | None, meta: list[Any]) -> str:
    """Say in the caller's language what is wrong with one field."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    # A list item's problem is told with its position, as "Item 2: ...".
    position = next((part for part in error["loc"][1:] if isinstance(part, int)), None)
    # Several kinds in one field (an id or a username): say which kinds, whatever failed.
    union = len(error["loc"]) > 1 and isinstance(error["loc"][-1], str)
    if (
        hint is not None
        and hint.message is not None
        and (union or kind == "string_pattern_mismatch")
    ):
        problem = str(hint.message)
    else:
        problem = _problem(kind, ctx, meta)
    if position is not None:
        return _("Item %(i)d: %(problem)s", i=position, problem=problem)
    return problem


def _problem(kind: str, ctx: dict[str, Any], meta: list[Any]) -> str:
    """Return the message for one pydantic error type (the rest say "Not a valid value.")."""
    lowest = next((item.ge for item in meta if isinstance(item, Ge)), None)
    highest = next((item.le for item in meta if isinstance(item, Le)), None)
    simple = {
        "string_type": _("Must be a string."),
        "string_unicode": _("Must be valid Unicode text."),
        "int_type": _("Must be a whole number."),
        "int_parsing": _("Must be a whole number."),
        "int_from_float": _("Must be a whole number."),
        "bool_type": _("Must be true or false."),
        "list_type": _("Must be a list."),
        "string_pattern_mismatch": _("Must not contain NUL characters."),
        "value_error": _("Send at least one field with a value."),
    }
    if kind in simple:
        return simple[kind]
    if kind in ("greater_than_equal", "less_than_equal") and None not in (lowest, highest):
        return _("Use a whole number from %(lo)d to %(hi)d.", lo=lowest, hi=highest)
    if kind == "greater_than_equal":
        return _("Use a whole number from %(lo)d.", lo=ctx["ge"])
    if kind == "less_than_equal":
        return _("Use a whole number up to %(hi)d.", hi=ctx["le"])
    if kind == "string_too_long":
        return _("Use at most %(n)d characters.", n=ctx["max_length"])
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return _("Write something first.")
        return _("Use at least %(n)d characters.", n=ctx["min_length"])
    if kind == "too_long":
        return _("Send at most %(n)d items.", n=ctx["max_length"])
    if kind == "literal_error":
        choices = [
            str(arg) for item in meta if get_origin(item) is Literal for arg in get_args(item)
        ]
        return _("Use one of: %(choices)s.", choices=", ".join(choices))
    return _("Not a valid value.")


# --- The document ---------------------------------------------------------------------------


def _path_of(rule: str) -> str:
    """Write a Flask rule as an OpenAPI path (``<id:post_id>`` as ``{post_id}``)."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def build_document(app: Flask, meta: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Generate the OpenAPI 3.1 document from the routes' declarations and their models."""
    routes: list[tuple[str, str, Operation, Any]] = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        spec: Operation | None = getattr(view, "__operation__", None)
        if spec is None or not rule.rule.startswith(prefix):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule[len(prefix) :], method.lower(), spec, rule))
    # Models no route answers with but a client reads (the sockets' frames) are documented too.
    models = _models(routes, meta.get("models", ()))
    mapping, defs = models_json_schema([(model, mode) for model, mode in models], ref_template=REF)
    schemas = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for path, method, spec, rule in routes:
        item = paths.setdefault(_path_of(path), {})
        item[method] = _operation(spec, rule, meta, mapping)
    document = {**meta["document"], "paths": paths}
    document["components"] = {**meta["document"].get("components", {}), "schemas": schemas}
    return document


def _models(
    routes: list[tuple[str, str, Operation, Any]], extra: Iterable[type[BaseModel]] = ()
) -> list[tuple[type[BaseModel], str]]:
    """List each model once, with the mode it is read in (requests) or written in (answers)."""
    seen: dict[type[BaseModel], str] = {Error: "serialization"}
    seen.update((model, "serialization") for model in extra)
    for _path, _method, spec, _rule in routes:
        if spec.body is not None:
            seen.setdefault(spec.body, "validation")
        if spec.upload is not None:
            seen.setdefault(spec.upload, "validation")
        for _text, model in spec.responses.values():
            if model is not None:
                seen.setdefault(model, "serialization")
    return list(seen.items())


def _operation(
    spec: Operation, rule: Any, meta: dict[str, Any], mapping: dict[Any, Any]
) -> dict[str, Any]:
    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return mapping[(model, mode)]

    out: dict[str, Any] = {
        "operationId": rule.endpoint.split(".", 1)[1],
        "summary": spec.summary,
        "tags": [spec.tag],
    }
    if spec.description:
        out["description"] = spec.description
    parameters = _path_parameters(rule, spec, meta)
    if spec.query is not None:
        parameters += _query_parameters(spec.query)
    if parameters:
        out["parameters"] = parameters
    if spec.body is not None:
        out["requestBody"] = {
            "required": spec.body_required,
            "description": spec.body_description,
            "content": {"application/json": {"schema": ref(spec.body, "validation")}},
        }
    if spec.upload is not None:
        out["requestBody"] = {
            "required": True,
            "description": spec.body_description,
            "content": {"multipart/form-data": {"schema": ref(spec.upload, "validation")}},
        }
    responses: dict[str, Any] = {}
    for status, (text, model) in sorted(spec.responses.items()):
        responses[str(status)] = {"description": text}
        if model is not None:
            content = {"schema": ref(model, "serialization")}
            responses[str(status)]["content"] = {"application/json": content}
        elif spec.file_type and status == 200:
            schema = {"type": "string", "contentMediaType": spec.file_type}
            responses[str(status)]["content"] = {spec.file_type: {"schema": schema}}
    statuses = set(spec.errors) | set(ALWAYS)
    if spec.body is not None:
        statuses |= {400, 422}
    if spec.upload is not None:
        statuses |= {413, 422}
    if spec.query is not None:
        statuses |= {422}
        if "cursor" in spec.query.model_fields:
            statuses |= {400}
    # A token that is sent must be valid (401) and its account not suspended (403), on public
    # routes too, where it is optional.
    statuses |= {401, 403}
    if spec.auth:
        out["security"] = [{"bearerAuth": []}]
    if rule.arguments:
        statuses |= {404}
    error_ref = ref(Error, "serialization")
    # A status the route declares itself (a 401 with more than the error) keeps its own shape.
    for status in sorted(statuses - set(spec.responses)):
        answer_doc: dict[str, Any] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": error_ref}},
        }
        if status in (429, 503):
            answer_doc["headers"] = RETRY_AFTER
        responses[str(status)] = answer_doc
    out["responses"] = responses
    return out


def _path_parameters(rule: Any, spec: Operation, meta: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = []
    for name in rule.arguments:
        # werkzeug keeps a rule's converters by argument name; ours decide the id schemas.
        converter = rule._converters.get(name)
        schema, description = meta["path_parameters"](name, converter)
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": spec.path.get(name, description),
                "schema": schema,
            }
        )
    # Keep the order of the path, as a reader expects.
    order = [m.group(1) for m in re.finditer(r"<(?:[a-z_]+:)?([a-z_]+)>", rule.rule)]
    return sorted(parameters, key=lambda p: order.index(p["name"]))


def _query_parameters(model: type[Query]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        prop.pop("title", None)
        description = prop.pop("description", "")
        # An optional text parameter is absent, never null, in a query string.
        if "anyOf" in prop:
            kinds = [k for k in prop["anyOf"] if k.get("type") != "null"]
            if len(kinds) == 1:
                rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
                prop = {**kinds[0], **rest}
        if prop.get("default", 0) is None:
            prop.pop("default")
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description,
                "schema": prop,
            }
        )
    return parameters

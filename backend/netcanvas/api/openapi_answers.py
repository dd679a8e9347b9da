"""The OpenAPI document tells the truth about error answers (issue 12): every status an operation
really sends, with the body it sends, and no 422 body it does not send.

FastAPI documents only the success answer, the `responses=` a route declares, and a 422
HTTPValidationError wherever a route has parameters (even a plain `str` path parameter, which
cannot fail to validate) or, where the route declares its own 422, not at all. What the server
really sends, and what `document_answers` writes into the schema:

- every error is `{"detail": str}` (Message), but for the bodies a route declares itself
  (ProblemsDetail: `{"detail": {"message", "problems"}}` — FastAPI would document the bare model,
  which is only the detail) and request validation;
- a request that fails validation gets FastAPI's `{"detail": [{"type", "loc", "msg", "input",
  "ctx"}]}` (HTTPValidationError) — documented beside the route's own 422 bodies, as `anyOf`,
  only where some parameter can fail (a body, a non-str or constrained or required
  query/header/cookie parameter, a non-str or constrained path parameter);
- derived from the route: a path parameter (`{run_id}`, `{graph_id}`, `{dataset_id}`, …) → 404;
  a multipart upload → 413 (the size limit) and 415 (a kind of file it does not read); the
  `HTTPException(<status>, …)` the endpoint, the functions of its module it calls and its
  dependencies raise (read from their source, so a new raise is documented by itself);
- derived from the middleware: 401 on every /api route but the open ones (auth/middleware.py; in
  every mode, so the document — and the TypeScript generated from it — does not depend on
  NETCANVAS_AUTH; with auth "none" it is never sent); 400 for a Host the server is not served under, on all, and 403 for a
  foreign Origin on the state-changing ones (origin.py);
- `EXTRA`, keyed by operation id, for statuses raised deeper than that (data and account layers).
"""

from __future__ import annotations

import ast
import inspect
import logging
import textwrap
from collections.abc import Callable, Iterable
from functools import cache
from http import HTTPStatus
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

log = logging.getLogger(__name__)

MESSAGE = "#/components/schemas/Message"
VALIDATION = "#/components/schemas/HTTPValidationError"

# Raised below what the route's own module shows (the data set and account layers): operation id →
# statuses. tests/api/test_openapi_answers.py checks these against real answers.
EXTRA: dict[str, set[int]] = {
    "datasets-create_dataset": {422, 507},  # data/: a refused file (DataError), the disk full (uploads.py)
    "datasets-update_dataset_options": {422},  # data/: the options refused for this file
    "datasets-download_published": {502},  # data/download.py: the source did not answer
    "users-create_user": {409},  # auth/accounts.py AccountError: the name is taken
    "users-delete_user": {404, 409},  # …no such user; the only admin
}
OPEN_PATHS = ("/api/health", "/api/auth/")  # auth/middleware.py OPEN: no 401 there
STATE_CHANGING = {"post", "put", "patch", "delete"}


def document_answers(schema: dict[str, Any], routes: Iterable[Any]) -> dict[str, Any]:
    """Rewrite `schema`'s error answers in place (and return it)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Message", {
        "type": "object", "required": ["detail"], "title": "Message",
        "properties": {"detail": {"type": "string", "title": "Detail"}},
    })
    for path, methods, route in api_routes(routes):
        for method in sorted(methods):
            op = schema.get("paths", {}).get(path, {}).get(method.lower())
            if op is not None:
                _document(op, route, path, method.lower())
    return schema


def api_routes(routes: Iterable[Any]) -> list[tuple[str, set[str], APIRoute]]:
    """(path as served, methods, the APIRoute) of every route in the schema; FastAPI keeps
    included routers as lazy entries, so they are walked the way its own get_openapi does."""
    from fastapi import routing

    out = []
    for ctx in routing.iter_route_contexts(list(routes)):
        route = ctx.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and ctx.path_format:
            out.append((ctx.path_format, set(ctx.methods or route.methods or ()), route))
    return out


def _document(op: dict[str, Any], route: APIRoute, path: str, method: str) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    raised = raised_answers(route)
    statuses = {status for status, _ in raised}
    statuses |= EXTRA.get(op.get("operationId", ""), set())
    if "{" in path:
        statuses.add(404)
    if _multipart(op):
        statuses |= {413, 415}
    if not path.startswith(OPEN_PATHS):
        statuses.add(401)
    statuses.add(400)  # origin.py: a Host the server is not served under, on every request
    if method in STATE_CHANGING:
        statuses.add(403)  # origin.py: a foreign Origin (or Sec-Fetch-Site: cross-site)
    # 422: the route's own bodies (declared, or raised with a message) and request validation
    _wrap_declared(responses, route)
    bodies: list[dict[str, Any]] = []
    declared = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema")
    if declared is not None and (route.responses.get(422) or route.responses.get("422")):
        bodies.append(declared)  # the route's own 422 model
    for status, model in sorted(raised):
        if status == 422 and model != "Message":  # HTTPException(422, ProblemsDetail(…).model_dump())
            bodies.append(_detail_body(model))
    if 422 in statuses and (any(m == "Message" for st, m in raised if st == 422) or 422 not in
                            {st for st, _ in raised}):
        bodies.append({"$ref": MESSAGE})
    if can_fail_validation(route):
        bodies.append({"$ref": VALIDATION})
    statuses.discard(422)
    unique = list({repr(b): b for b in bodies}.values())
    if unique:
        responses["422"] = {
            "description": "Validation Error" if unique == [{"$ref": VALIDATION}] else
            "Unprocessable content: the request or what it names cannot be used; the detail says why.",
            "content": {"application/json": {"schema": unique[0] if len(unique) == 1 else {"anyOf": unique}}},
        }
    else:
        responses.pop("422", None)
    for status in sorted(statuses):
        if str(status) in responses or status == 500:  # 500: a bug, never an answer to document
            continue
        responses[str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": {"$ref": MESSAGE}}},
        }
    op["responses"] = dict(sorted(responses.items()))


def _detail_body(model: str) -> dict[str, Any]:
    return {"type": "object", "required": ["detail"], "title": f"{model}Body",
            "properties": {"detail": {"$ref": f"#/components/schemas/{model}"}}}


def _wrap_declared(responses: dict[str, Any], route: APIRoute) -> None:
    """A declared error model without a `detail` field (ProblemsDetail) is what HTTPException's
    detail holds: the body is `{"detail": <model>}`, and the schema says so."""
    for status, spec in route.responses.items():
        model = spec.get("model") if isinstance(spec, dict) else None
        if model is None or int(status) < 400 or "detail" in getattr(model, "model_fields", {"detail": None}):
            continue
        media = responses.get(str(status), {}).get("content", {}).get("application/json")
        if media is not None and "$ref" in media.get("schema", {}):
            media["schema"] = _detail_body(model.__name__)


def _multipart(op: dict[str, Any]) -> bool:
    content = (op.get("requestBody") or {}).get("content") or {}
    return "multipart/form-data" in content


# -- request validation ----------------------------------------------------------------------------


def can_fail_validation(route: APIRoute) -> bool:
    """Whether some request to `route` can be refused by FastAPI's own validation (a 422 with a
    list of errors): a body, or a parameter that is required, constrained or not a plain str."""
    deps = _dependants(route.dependant)
    if any(d.body_params for d in deps):
        return True
    for d in deps:
        if not all(_plain_str(f) for f in d.path_params):
            return True
        for f in [*d.query_params, *d.header_params, *d.cookie_params]:
            if f.field_info.is_required() or not _plain_str(f):
                return True
    return False


def _dependants(dep: Dependant) -> list[Dependant]:
    out = [dep]
    for sub in dep.dependencies:
        out += _dependants(sub)  # dependencies nest a few levels, never with graph depth
    return out


def _plain_str(field: Any) -> bool:
    info = field.field_info
    return info.annotation in (str, str | None) and not info.metadata


# -- statuses raised in the source -----------------------------------------------------------------


def raised_answers(route: APIRoute) -> set[tuple[int, str]]:
    """(status, body) of each `HTTPException(<status>, detail)` in the endpoint, the same-module
    functions it calls (transitively) and its dependencies; the body is "Message" for a string
    detail, else the model whose `.model_dump()` the detail is (ProblemsDetail)."""
    found: set[tuple[int, str]] = set()
    for fn in _callables(route.dependant):
        found |= _statuses_of(fn)
    return found


def _callables(dep: Dependant) -> list[Callable[..., Any]]:
    return [d.call for d in _dependants(dep) if d.call is not None]


@cache
def _statuses_of(fn: Callable[..., Any]) -> frozenset[tuple[int, str]]:
    fn = inspect.unwrap(fn)
    module = inspect.getmodule(fn)
    if module is None:
        return frozenset()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(module)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    defs = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    name = getattr(fn, "__name__", "")
    if name not in defs:
        return frozenset()
    found: set[tuple[int, str]] = set()
    todo, seen = [name], set()
    while todo:  # an explicit stack: helpers calling helpers
        current = todo.pop()
        if current in seen or current not in defs:
            continue
        seen.add(current)
        made = {t.id: n.value.func.id for n in ast.walk(defs[current]) if isinstance(n, ast.Assign)
                and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)
                for t in n.targets if isinstance(t, ast.Name)}  # detail = ProblemsDetail(…)
        for node in ast.walk(defs[current]):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.id if isinstance(node.func, ast.Name) else None
            # helpers passed on, not called (run_in_threadpool(_store, …)), are followed too
            todo += [a.id for a in node.args if isinstance(a, ast.Name) and a.id in defs]
            if callee == "HTTPException":
                status = _status_arg(node)
                if status is not None:
                    found.add((status, _body_of(node, made)))
            elif callee in defs:
                todo.append(callee)
    return frozenset(found)


def _body_of(call: ast.Call, made: dict[str, str]) -> str:
    """"Message", or the model of a `X(…).model_dump()` / `x.model_dump()` detail."""
    detail = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "detail"), None)
    if not (isinstance(detail, ast.Call) and isinstance(detail.func, ast.Attribute)
            and detail.func.attr == "model_dump"):
        return "Message"
    owner = detail.func.value
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name):
        return owner.func.id
    if isinstance(owner, ast.Name) and owner.id in made:
        return made[owner.id]
    return "ProblemsDetail"  # the one structured detail this API sends


def _status_arg(call: ast.Call) -> int | None:
    args = [a for a in call.args[:1]] + [k.value for k in call.keywords if k.arg == "status_code"]
    for a in args:
        if isinstance(a, ast.Constant) and isinstance(a.value, int):
            return a.value
    return None

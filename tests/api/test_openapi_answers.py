"""The OpenAPI document tells the truth (issue 12): the error statuses a route really sends are
documented for its operation, with a schema its real body satisfies; the 422 answer documents
FastAPI's validation list only where a request can fail validation, and beside the route's own
bodies where it sends those too."""

from __future__ import annotations

import io
from typing import Any

import pytest
import torch
from api_factories import mlp_graph
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.api.openapi_answers import VALIDATION
from netcanvas.config import Settings


def resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def conforms(value: Any, schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    """The subset of JSON Schema these documents use: $ref, anyOf, type, required, properties, items."""
    schema = resolve(schema, doc)
    if "anyOf" in schema:
        return any(conforms(value, s, doc) for s in schema["anyOf"])
    kind = schema.get("type")
    checks = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    if kind == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        return False
    if kind in checks and not isinstance(value, checks[kind]):
        return False
    if kind == "object" or isinstance(value, dict) and "properties" in schema:
        if any(k not in value for k in schema.get("required", [])):
            return False
        return all(conforms(value[k], s, doc) for k, s in schema.get("properties", {}).items() if k in value)
    if kind == "array":
        return all(conforms(v, schema.get("items", {}), doc) for v in value)
    return True


def operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method]


def check(doc: dict[str, Any], method: str, path: str, response: Any, status: int) -> dict[str, Any]:
    """`response` has `status`; the operation documents it with a schema the body satisfies."""
    assert response.status_code == status, response.text
    answers = operation(doc, method, path)["responses"]
    assert str(status) in answers, f"{method} {path} sends {status}, undocumented: {sorted(answers)}"
    schema = answers[str(status)]["content"]["application/json"]["schema"]
    assert conforms(response.json(), schema, doc), f"{method} {path} {status}: {response.text} vs {schema}"
    return schema


@pytest.fixture
def doc(client: TestClient) -> dict[str, Any]:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_not_found_answers_are_documented(client, doc):
    check(doc, "get", "/api/runs/{run_id}", client.get("/api/runs/nope"), 404)
    check(doc, "delete", "/api/graphs/{graph_id}", client.delete("/api/graphs/nope"), 404)
    check(doc, "get", "/api/datasets/{dataset_id}", client.get("/api/datasets/nope"), 404)
    check(doc, "post", "/api/runs/{run_id}/cancel", client.post("/api/runs/nope/cancel"), 404)
    check(doc, "get", "/api/templates/{name}", client.get("/api/templates/nope"), 404)


def test_conflicts_and_bad_requests_are_documented(client, doc):
    check(doc, "delete", "/api/datasets/{dataset_id}", client.delete("/api/datasets/digits"), 409)
    check(doc, "put", "/api/datasets/{dataset_id}/options", client.put("/api/datasets/digits/options", json={}), 409)
    check(doc, "get", "/api/runs", client.get("/api/runs", headers={"host": "evil.example"}), 400)  # DNS rebinding
    check(doc, "post", "/api/graphs", client.post("/api/graphs", json={"graph": mlp_graph()},
                                                  headers={"origin": "http://evil.example"}), 403)


def test_upload_answers_are_documented(tmp_path, doc):
    settings = Settings(data_dir=tmp_path / "small", frontend_dist=tmp_path / "nf", max_upload_mb=1)
    with TestClient(create_app(settings)) as small:
        big = b"\0" * (2 << 20)
        check(doc, "post", "/api/models/import", small.post("/api/models/import", files={"file": ("m.h5", big)}), 413)
        r = small.post("/api/datasets", files={"file": ("notes.docx", b"PK\3\4 not a table")})
        check(doc, "post", "/api/datasets", r, r.status_code if r.status_code in (415, 422) else 415)
        buf = io.BytesIO()
        torch.save({"x": {1, 2}}, buf)
        check(doc, "post", "/api/models/import", small.post("/api/models/import", files={"file": ("m.pt", buf.getvalue())}),
              422)


def test_a_real_validation_422_matches_the_documented_schema(client, doc):
    r = client.post("/api/runs", json={"graph": mlp_graph(), "epochs": -1})
    schema = check(doc, "post", "/api/runs", r, 422)
    assert isinstance(r.json()["detail"], list)  # FastAPI's list of errors …
    refs = [s.get("$ref") for s in schema.get("anyOf", [schema])]
    assert VALIDATION in refs
    validation = resolve({"$ref": VALIDATION}, doc)
    item = resolve(validation["properties"]["detail"]["items"], doc)
    assert set(r.json()["detail"][0]) <= set(item["properties"])  # every key it sends is described
    r = client.get("/api/runs", params={"limit": "abc"})
    check(doc, "get", "/api/runs", r, 422)


def test_a_route_s_own_422_body_is_documented_beside_validation(client, doc):
    bad = mlp_graph()
    bad["nodes"][2]["params"]["units"] = 0  # validates as JSON, refused by the graph's own checks
    r = client.post("/api/graphs/code", json={"graph": bad})
    check(doc, "post", "/api/graphs/code", r, 422)
    assert isinstance(r.json()["detail"], dict) and r.json()["detail"]["problems"]
    r = client.post("/api/runs", json={"graph": bad, "dataset": "digits"})
    check(doc, "post", "/api/runs", r, 422)


def test_no_422_is_documented_where_nothing_can_fail_validation(client, doc):
    answers = operation(doc, "get", "/api/runs/{run_id}")["responses"]
    assert "422" not in answers  # a plain str path parameter cannot fail to validate
    assert client.get("/api/runs/%20%7B%7D").status_code == 404
    assert "422" not in operation(doc, "delete", "/api/graphs/{graph_id}")["responses"]
    for path, ops in doc["paths"].items():  # and every documented body names a real schema
        for op in ops.values():
            for status, answer in op["responses"].items():
                for media in answer.get("content", {}).values():
                    for s in media.get("schema", {}).get("anyOf", [media.get("schema", {})]):
                        if "$ref" in s:
                            assert s["$ref"].rsplit("/", 1)[-1] in doc["components"]["schemas"], (path, status)


def test_401_is_documented_when_sign_in_is_required(tmp_path):
    settings = Settings(data_dir=tmp_path / "tok", frontend_dist=tmp_path / "nf", auth="token", token="s3cret-s3cret-s3cret")
    with TestClient(create_app(settings)) as c:
        doc = c.get("/api/openapi.json", headers={"authorization": "Bearer s3cret-s3cret-s3cret"}).json()
        check(doc, "get", "/api/runs", c.get("/api/runs"), 401)
        check(doc, "post", "/api/graphs/validate", c.post("/api/graphs/validate", json={}), 401)
        assert "401" not in operation(doc, "get", "/api/health")["responses"]
    # the same document in every mode (the generated TypeScript must not depend on NETCANVAS_AUTH)
    none = create_app(Settings(data_dir=tmp_path / "none", frontend_dist=tmp_path / "nf", auth="none")).openapi()
    assert none["paths"] == doc["paths"]

"""The OpenAPI schema: valid, free of warnings, complete (schemas, examples, tags, security), and public."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from jsonschema import Draft4Validator

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Operations that take no body on purpose: the path says everything.
NO_REQUEST_BODY = {"likes_update", "playlists_duplicate_create"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_schema_validates_without_a_warning(tmp_path):
    # What `manage.py spectacular --validate --fail-on-warn` does: it raises on any warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/tracks/" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_every_operation_is_documented(schema):
    seen = set()
    for path, method, operation in operations(schema):
        name = f"{method.upper()} {path}"
        assert path.startswith("/api/v1/"), name
        assert operation["operationId"] not in seen, name
        seen.add(operation["operationId"])
        assert operation.get("tags"), name
        assert operation.get("description"), name
        assert {"tokenAuth": []} in operation["security"], name
        assert {"cookieAuth": []} in operation["security"], name
        assert {} not in operation["security"], f"{name} allows anonymous requests"
        success = [code for code in operation["responses"] if code.startswith("2")]
        assert success, name
        for code in success:
            if code != "204":
                assert operation["responses"][code]["content"]["application/json"]["schema"], name
        if method in ("post", "put", "patch") and operation["operationId"] not in NO_REQUEST_BODY:
            assert operation["requestBody"]["content"]["application/json"]["schema"], name
        assert "401" in operation["responses"] and "403" in operation["responses"], name
        if "{" in path:
            assert "404" in operation["responses"], name
        if method != "get":
            assert "429" in operation["responses"], name
    assert len(seen) >= 30


def _examples(body: dict) -> dict:
    """Return the examples of a request body or response, by media type and name."""
    found = {}
    for media_type, content in body.get("content", {}).items():
        if "example" in content:
            found[f"{media_type} example"] = content["example"]
        for name, example in content.get("examples", {}).items():
            found[f"{media_type} {name}"] = example["value"]
    return found


def missing_examples(schema) -> list[str]:
    """List what has no example: each 2xx answer with a body, each request body, each operation."""
    missing = []
    for path, method, operation in operations(schema):
        name = f"{method.upper()} {path}"
        lacking = [
            f"its {code} answer"
            for code, response in operation["responses"].items()
            if code.startswith("2") and response.get("content") and not _examples(response)
        ]
        if operation.get("requestBody", {}).get("content") and not _examples(operation["requestBody"]):
            lacking.append("its request body")
        if not lacking and not any(_examples(body) for body in [*operation["responses"].values(),
                                                                operation.get("requestBody", {})]):
            lacking.append("anything (a body-less answer: give an example of an error answer)")
        if lacking:
            missing.append(f"{name} ({operation['operationId']}): no example of {', '.join(lacking)}")
    return missing


def test_every_operation_has_examples(schema):
    # Every answer with a body (2xx) and every request body has an example; an operation whose success
    # has no body (204) has one of an error answer.
    missing = missing_examples(schema)
    assert not missing, f"{len(missing)} operations lack examples:\n" + "\n".join(missing)


def _json_schema(node, strict: bool):
    """Return an OpenAPI 3.0 schema as JSON Schema (draft 4): nullable as a type, objects closed if strict."""
    if isinstance(node, list):
        return [_json_schema(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _json_schema(value, strict) for key, value in node.items()}
    if strict and "properties" in result and "additionalProperties" not in result:
        result["additionalProperties"] = False
    if result.pop("nullable", False):
        result = {"anyOf": [result, {"type": "null"}]}
    return result


def _described(error) -> str:
    where = "/".join(map(str, error.absolute_path)) or "the body"
    if len(error.message) <= 160:
        return f"{where}: {error.message}"
    return f"{where}: not {error.validator} {error.validator_value!r} (a {type(error.instance).__name__})"


def test_every_example_fits_its_schema(schema):
    # Examples are written by hand: each must have the fields its schema requires, of their types and
    # formats, and no field the schema does not have.
    document = _json_schema(schema, strict=True)
    checker = Draft4Validator.FORMAT_CHECKER
    wrong = []
    for path, method, operation in operations(document):
        bodies = {f"{code} answer": body for code, body in operation["responses"].items()}
        if "requestBody" in operation:
            bodies["request body"] = operation["requestBody"]
        for where, body in bodies.items():
            for media_type, content in body.get("content", {}).items():
                examples = _examples({"content": {media_type: content}})
                if not examples:
                    continue
                validator = Draft4Validator({**content["schema"], "components": document["components"]},
                                            format_checker=checker)
                for name, value in examples.items():
                    errors = [_described(error) for error in validator.iter_errors(value)]
                    if errors:
                        wrong.append(f"{method.upper()} {path} {where}, {name}: {'; '.join(errors[:3])}")
    assert not wrong, f"{len(wrong)} examples do not fit their schema:\n" + "\n".join(wrong)


def test_the_schema_names_the_areas_and_authentication(schema):
    declared = [tag["name"] for tag in schema["tags"]]
    assert declared[:5] == ["catalog", "history", "likes", "playlists", "player"]
    assert all(tag.get("description") for tag in schema["tags"])
    used = {tag for _path, _method, operation in operations(schema) for tag in operation["tags"]}
    assert used == set(declared)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert schemes["cookieAuth"]["in"] == "cookie"


def test_the_catalog_lists_document_their_filters(schema):
    parameters = {parameter["name"] for parameter in schema["paths"]["/api/v1/tracks/"]["get"]["parameters"]}
    assert {
        "artist", "album", "genre", "year_min", "year_max", "duration_min", "duration_max", "available",
        "mbid", "search", "ordering", "page", "page_size",
    } <= parameters
    listens = {parameter["name"] for parameter in schema["paths"]["/api/v1/me/listens/"]["get"]["parameters"]}
    assert {"min_ts", "max_ts", "after", "before", "cursor", "page_size"} <= listens


def test_the_schema_and_its_docs_are_public(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/me/listens/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200


def test_the_docs_load_swagger_ui_from_our_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the docs load something from elsewhere"
    assert "jsdelivr" not in page


def _api_views(patterns, prefix=""):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _api_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif (prefix + str(pattern.pattern)).startswith("api/v1/"):
            yield prefix + str(pattern.pattern), pattern.callback.cls


def test_every_api_view_declares_its_permissions():
    views = dict(_api_views(get_resolver().url_patterns))
    assert len(views) >= 20
    ours = {  # the project's apps, not DRF's defaults
        app.name.split(".")[0]
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR)
    }
    assert {"catalog", "listening"} <= ours
    for route, view in views.items():
        declared = next((klass for klass in view.__mro__ if "permission_classes" in vars(klass)), None)
        assert declared is not None and declared.__module__.split(".")[0] in ours, route
        assert view.permission_classes, route

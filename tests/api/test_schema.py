"""The OpenAPI schema: valid, free of warnings, complete (schemas, examples, tags, security), and public."""

import re

import pytest
from django.core.management import call_command
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
# Operations that take no body on purpose: the path says everything.
NO_REQUEST_BODY = {"likes_update", "playlists_duplicate_create"}
WITH_EXAMPLES = {
    "tracks_list", "tracks_retrieve", "albums_list", "artists_list", "genres_list", "me_listens_list",
    "me_listens_submit", "users_listens_list", "me_likes_list", "me_now_playing_retrieve", "playlists_create",
    "player_state_update",
}


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


def test_the_main_operations_have_examples(schema):
    found = {}
    for _path, _method, operation in operations(schema):
        bodies = [*operation["responses"].values(), operation.get("requestBody", {})]
        found[operation["operationId"]] = any(
            content.get("examples") for body in bodies for content in body.get("content", {}).values()
        )
    assert {name for name in WITH_EXAMPLES if not found.get(name)} == set()


def test_the_schema_names_the_areas_and_authentication(schema):
    assert [tag["name"] for tag in schema["tags"]] == ["catalog", "history", "likes", "playlists", "player"]
    used = {tag for _path, _method, operation in operations(schema) for tag in operation["tags"]}
    assert used == {tag["name"] for tag in schema["tags"]}
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
    for route, view in views.items():
        declared = next((klass for klass in view.__mro__ if "permission_classes" in vars(klass)), None)
        assert declared is not None and declared.__module__.split(".")[0] in {"catalog", "listening"}, route
        assert view.permission_classes, route

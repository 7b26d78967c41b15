"""The OpenAPI schema's own parts: component names for nested serializers, documented error answers."""

import re
from collections import defaultdict

from drf_spectacular import openapi
from drf_spectacular.plumbing import build_examples_list

# The error answers every operation may give, by status code: (description, component).
ERRORS = {
    "400": ("Invalid input, by field.", "ValidationError"),
    "401": ("Not authenticated (no session, or no valid `Authorization: Token`).", "Error"),
    "403": ("Authenticated but not allowed.", "Error"),
    "404": ("Not found (or not visible to you).", "Error"),
    "429": ("Too many requests: see the Retry-After header.", "Error"),
}


def error_response(code: str) -> dict:
    """Return the documented answer for an error status code, its body described by a component."""
    description, component = ERRORS[code]
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, naming nested serializers after their view; examples of error answers.

    API views keep their serializers nested (`TrackDetailApi.OutputSerializer`): the component is
    called `TrackDetailOutput`, so that every view's InputSerializer and OutputSerializer get a name of
    their own.

    An `OpenApiExample(..., status_codes=["404"])` in a view's `@extend_schema(examples=...)` shows that
    operation's error body: the error answer it names (one of ERRORS) is declared for it, so that the
    example has a response to go in (drf-spectacular drops the examples of responses a view does not
    declare).
    """

    def get_serializer_name(self, serializer, direction):
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        parts = qualname.split(".")
        return "".join(re.sub(r"(Api|Serializer)$", "", part) for part in parts)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:  # excluded from the schema
            return None
        errors = defaultdict(list)
        for example in self.get_examples():
            if example.request_only:
                continue
            for code in map(str, example.status_codes or ()):
                if code in ERRORS:
                    errors[code].append(example)
        responses = operation.setdefault("responses", {})
        for code, examples in errors.items():
            documented = error_response(code)
            content = responses.setdefault(code, documented).setdefault("content", {})
            body = content.setdefault("application/json", documented["content"]["application/json"])
            body.setdefault("examples", {}).update(build_examples_list(examples))
        return operation


def postprocess_error_responses(result, generator, request, public):
    """Document the error answers every operation may give (400, 401, 403, 404, 429) with one schema.

    DRF's answers are {"detail": "..."}, and a 400's body maps each invalid field to its messages.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    schemas["ValidationError"] = {
        "type": "object",
        "description": "Each invalid field (or non_field_errors) with its messages; nested for lists.",
        "additionalProperties": {},
    }

    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            has_input = "requestBody" in operation or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            )
            security = operation.get("security", [])
            secured = bool(security) and {} not in security  # {}: anonymous requests are allowed
            codes = []
            if has_input:
                codes.append("400")
            if secured:
                codes += ["401", "403"]
            if "{" in path:
                codes.append("404")
            if method != "get" and secured:
                codes.append("429")
            for code in codes:
                responses.setdefault(code, error_response(code))
            operation["responses"] = dict(sorted(responses.items()))
    return result

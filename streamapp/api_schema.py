"""The OpenAPI schema's own parts: component names for nested serializers, documented error answers."""

import re

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, naming nested serializers after their view.

    API views keep their serializers nested (`TrackDetailApi.OutputSerializer`): the component is
    called `TrackDetailOutput`, so that every view's InputSerializer and OutputSerializer get a name of
    their own.
    """

    def get_serializer_name(self, serializer, direction):
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        parts = qualname.split(".")
        return "".join(re.sub(r"(Api|Serializer)$", "", part) for part in parts)


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

    def error(description: str, schema: str = "Error") -> dict:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }

    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            has_input = "requestBody" in operation or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            )
            security = operation.get("security", [])
            secured = bool(security) and {} not in security  # {}: anonymous requests are allowed
            extra = {}
            if has_input:
                extra["400"] = error("Invalid input, by field.", "ValidationError")
            if secured:
                extra["401"] = error("Not authenticated (no session, or no valid `Authorization: Token`).")
                extra["403"] = error("Authenticated but not allowed.")
            if "{" in path:
                extra["404"] = error("Not found (or not visible to you).")
            if method != "get" and secured:
                extra["429"] = error("Too many requests: see the Retry-After header.")
            for code, response in extra.items():
                responses.setdefault(code, response)
    return result

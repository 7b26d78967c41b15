"""Shared API plumbing: error mapping, pagination, ordering, throttles and permissions.

Every app's API views use these: errors raised by services become clear 400/403 JSON answers, lists are
paginated alike, writes are throttled per user, and per-user routes (/api/v1/users/{username}/...) share
one permission. The throttles are in streamapp.api_throttles and the schema's parts in
streamapp.api_schema: DRF imports the default throttles while rest_framework.views is loading, and
drf-spectacular's schema classes import it.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from rest_framework import exceptions, filters, pagination, permissions
from rest_framework.views import exception_handler as drf_exception_handler

from .api_throttles import PlayerRateThrottle, WriteRateThrottle  # noqa: F401 (the API's throttles)

MAX_PAGE_SIZE = 200


def exception_handler(exc, context):
    """Map a service's ValidationError to 400 with the field names, PermissionDenied to 403."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    return drf_exception_handler(exc, context)


# ------------------------------------------------------------------------------ pagination and ordering
class PageNumberPagination(pagination.PageNumberPagination):
    """Pages of PAGE_SIZE (50) items; a client may ask for up to 200 with ?page_size=."""

    page_size_query_param = "page_size"
    page_size_query_description = f"Items per page (default 50, at most {MAX_PAGE_SIZE})."
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        return _with_page_size_bounds(super().get_schema_operation_parameters(view), self)


class CursorPagination(pagination.CursorPagination):
    """Cursor pages for long, growing lists (a listening history): stable while new rows arrive."""

    page_size_query_param = "page_size"
    page_size_query_description = f"Items per page (default 50, at most {MAX_PAGE_SIZE})."
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        return _with_page_size_bounds(super().get_schema_operation_parameters(view), self)


def _with_page_size_bounds(parameters: list[dict], paginator) -> list[dict]:
    """Add the page size's (and page number's) bounds to the schema's parameters."""
    for parameter in parameters:
        if parameter["name"] == paginator.page_size_query_param:
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": paginator.max_page_size}
        elif parameter["name"] == getattr(paginator, "page_query_param", None):
            parameter["schema"] = {"type": "integer", "minimum": 1}
    return parameters


class OrderingFilter(filters.OrderingFilter):
    """?ordering= with public names mapped to model paths, nulls last, and the primary key as tiebreaker.

    A view declares `ordering_fields = {"year": "album__release_year", ...}` (public name: path). Without
    ?ordering= the queryset keeps its own order (the view's default, or a search's ranking). The
    tiebreaker keeps pages stable when many rows share a value.
    """

    ordering_description = "Sort by one or more of the listed fields, comma-separated; prefix - to reverse."

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in getattr(view, "ordering_fields", None) or {}]

    def get_default_ordering(self, view):
        return None

    def filter_queryset(self, request, queryset, view):
        names = self.get_ordering(request, queryset, view)
        if not names:
            return queryset
        paths = view.ordering_fields
        ordering = []
        for name in names:
            path = F(paths[name.lstrip("-")])
            ordering.append(path.desc(nulls_last=True) if name.startswith("-") else path.asc(nulls_last=True))
        return queryset.order_by(*ordering, "pk")

    def get_schema_operation_parameters(self, view):
        names = list(getattr(view, "ordering_fields", None) or {})
        if not names:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"{self.ordering_description} Fields: {', '.join(names)}.",
                "schema": {"type": "string", "example": f"-{names[0]}"},
            }
        ]


# ------------------------------------------------------------------------------ permissions
class IsSelfOrStaff(permissions.BasePermission):
    """Allow /users/{username}/... to that user and to staff; anyone else gets a 404, as if no such user.

    A 404 rather than a 403, so that the API does not tell which usernames exist. Use it after
    IsAuthenticated (anonymous requests get 401 first).
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_staff or view.kwargs.get("username") == user.get_username():
            return True
        raise exceptions.NotFound()

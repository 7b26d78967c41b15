"""Template tags of the catalog pages: the sections other apps add to them ({% page_shelves %})."""

from django import template

from catalog import shelves

register = template.Library()


@register.simple_tag(takes_context=True)
def page_shelves(context, page: str, obj) -> list:
    """Return the sections other apps registered for this catalog page (catalog.shelves.register_section)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return []
    return shelves.sections_for(page, user, obj)

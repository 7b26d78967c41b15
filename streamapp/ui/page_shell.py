"""The `once` tag: parts of the page shell rendered once per process, not on every request.

Most of base.html (the <head>, the navigation, the player, the queue panel, the icon templates) is
the same on every page: some thirty reverse() calls, sixty icons and a hundred template nodes that
cost more than an album's whole tracklist. Wrapped in ``{% once %}``, such a part is rendered the
first time and its text reused after that::

    {% once %}<footer id="player">…</footer>{% endonce %}
    {% once user.is_authenticated user.is_staff %}<nav>…</nav>{% endonce %}

What is inside may depend on nothing but the values named after ``once`` (a few booleans: each
combination is kept) and on what is fixed for the process (URLs, static files, icons). Anything that
varies with the request (the CSRF token, the user's name, a query, messages) stays outside. No
``{% block %}`` inside either: a child template's override would be frozen with the first render.
With DEBUG on, the part is rendered every time, so an edited template shows at once.
"""

from django import template
from django.conf import settings
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix

from .registry import register


class OnceNode(template.Node):
    def __init__(self, nodelist: template.NodeList, vary: list[template.base.FilterExpression]):
        self.nodelist = nodelist
        self.vary = vary
        # The node belongs to a compiled template, which the cached loader keeps for the process (and
        # compiles again when the file changes in development): the texts go with it.
        self.rendered: dict[tuple, str] = {}

    def render(self, context: template.Context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = (get_script_prefix(), *(bool(value.resolve(context)) for value in self.vary))
        text = self.rendered.get(key)
        if text is None:
            text = self.rendered[key] = self.nodelist.render(context)
        return text


@register.tag
def once(parser: template.base.Parser, token: template.base.Token) -> OnceNode:
    """{% once [flag ...] %}…{% endonce %}: render the enclosed part once per process (per flags)."""
    bits = token.split_contents()[1:]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% once %} can't hold a {% block %}: its override would freeze")
    return OnceNode(nodelist, [parser.compile_filter(bit) for bit in bits])

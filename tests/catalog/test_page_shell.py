"""The page shell's fixed parts rendered once per process ({% once %}, streamapp/ui/page_shell.py):
the same text reused, one per combination of its flags, and nothing of one request in another's page."""

import pytest
from django.template import Context, Template, TemplateSyntaxError

pytestmark = pytest.mark.django_db


def test_a_once_part_is_rendered_the_first_time_and_reused(settings):
    settings.DEBUG = False
    template = Template("{% load ui %}{% once flag %}{{ value }}{% endonce %}|{{ value }}")
    assert template.render(Context({"value": "first", "flag": True})) == "first|first"
    assert template.render(Context({"value": "second", "flag": True})) == "first|second"
    assert template.render(Context({"value": "third", "flag": False})) == "third|third"  # another flag


def test_with_debug_on_a_once_part_is_rendered_every_time(settings):
    settings.DEBUG = True
    template = Template("{% load ui %}{% once %}{{ value }}{% endonce %}")
    assert template.render(Context({"value": "first"})) == "first"
    assert template.render(Context({"value": "second"})) == "second"


def test_a_once_part_can_not_hold_a_block():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load ui %}{% once %}{% block x %}{% endblock %}{% endonce %}")


def test_the_shell_shows_each_user_their_own_name_token_and_staff_links(client, user, staff_user):
    client.force_login(staff_user)
    staff_page = client.get("/").content.decode()
    client.force_login(user)
    page = client.get("/").content.decode()
    assert '<p class="account-name">staff</p>' in staff_page and 'href="/admin/"' in staff_page
    assert '<p class="account-name">listener</p>' in page and 'href="/admin/"' not in page
    assert "staff" not in page.split("<main")[0]
    token = client.cookies["csrftoken"].value
    assert token and 'name="csrfmiddlewaretoken"' in page


def test_every_page_carries_the_sprite_its_icons_draw_from(client, user):
    import re

    client.force_login(user)
    html = client.get("/").content.decode()
    assert html.count('class="icon-sprite"') == 1
    symbols = set(re.findall(r'<symbol id="icon-([a-z0-9-]+)"', html))
    used = set(re.findall(r'<use href="#icon-([a-z0-9-]+)"/>', html))
    assert used and used <= symbols

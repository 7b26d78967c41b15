"""History imports in the admin: listed and viewed, never added or changed there."""

import pytest
from pytest_django.asserts import assertContains

from listening.models import HistoryImport

pytestmark = pytest.mark.django_db


def test_admin_lists_and_shows_an_import_with_its_problems(staff_client, user):
    row = HistoryImport.objects.create(
        user=user,
        format="lastfm",
        file_name="scrobbles.csv",
        status="done",
        imported=3,
        failed=1,
        errors=[{"position": "scrobbles.csv:4", "reason": "The time <b>x</b> cannot be read."}],
    )
    assertContains(staff_client.get("/admin/listening/historyimport/"), "scrobbles.csv")
    page = staff_client.get(f"/admin/listening/historyimport/{row.pk}/change/")
    assertContains(
        page,
        "<li><code>scrobbles.csv:4</code>: The time &lt;b&gt;x&lt;/b&gt; cannot be read.</li>",
        html=True,
    )
    assert staff_client.get("/admin/listening/historyimport/add/").status_code == 403

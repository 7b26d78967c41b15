"""seed_demo leaves the analytics rollups built: the staff dashboard's first view counts no raw history."""

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from tqdm import tqdm

from analytics import rollups
from analytics.models import DailyListenerActivity, RollupState
from demo import analytics as demo
from demo import seed
from demo.names import DemoSize
from listening.models import Listen

TINY = DemoSize(artists=2, albums_per_artist=1, tracks=3)


@pytest.mark.django_db
def test_seed_demo_leaves_the_rollups_built(staff_client):
    summary = seed.demo_seed(
        seed=9, size=TINY, listeners=3, progress=lambda _text, total, _unit: tqdm(total=total, disable=True)
    )

    state = RollupState.objects.get(name="default")
    assert state.watermark is not None and state.last_listen_id > 0
    today = rollups.local_day(timezone.now(), rollups.site_zone())
    before_today = Listen.objects.filter(listened_at__lt=rollups.day_start(today, rollups.site_zone()))
    assert before_today.count() > 0
    rolled = DailyListenerActivity.objects.aggregate(n=Sum("listens"))["n"]
    assert rolled == before_today.count()
    assert any("rollups of" in part for part in summary.extra)
    # Nothing is left for a first run to do, and the dashboard answers from the rollups.
    assert rollups.rollup_run().site_days == 0
    assert staff_client.get(reverse("analytics-staff:overview")).status_code == 200


@pytest.mark.django_db
def test_seed_demo_at_scale_leaves_the_rollups_to_the_benchmark():
    run = type("Run", (), {"scale": 2, "notes": []})()
    demo.rollup_step(run)
    assert not RollupState.objects.filter(watermark__isnull=False).exists()
    assert "rollup_analytics" in run.notes[0]

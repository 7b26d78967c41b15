"""The nightly rollup also reconciles: it recomputes the days whose matched listens changed in place."""

import json

from django.db import migrations

NAME = "Analytics: nightly rollups"


def reconcile(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).update(kwargs=json.dumps({"reconcile": True}))


def plain(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).update(kwargs="{}")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_rollup_keys_without_constraints")]

    operations = [migrations.RunPython(reconcile, plain)]

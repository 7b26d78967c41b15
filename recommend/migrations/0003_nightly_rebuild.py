"""Schedule the nightly recommendation rebuild at 03:00 in the site's time zone (editable in the admin:
django-celery-beat's DatabaseScheduler reads PeriodicTask rows)."""

from django.conf import settings
from django.db import migrations

TASK = "recommend.rebuild"  # recommend.tasks.rebuild.name; a test checks it is registered
NAME = "Recommend: nightly rebuild"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "enabled": True,
            "kwargs": '{"trigger": "schedule"}',
            "description": "Train the recommender and rebuild every listener's Discover, Daily Mixes and "
            "recommendations.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommend", "0002_run_lock"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]

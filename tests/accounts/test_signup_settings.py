"""STREAMAPP_SIGNUP's defaults: invite in production, open in local; a wrong value refuses to start."""

import pytest

from tests.test_settings import GOOD_KEY, run_manage

PRINT = "from django.conf import settings; print(settings.STREAMAPP_SIGNUP, settings.EMAIL_BACKEND)"


def production(**env):
    return run_manage("shell", "-c", PRINT, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="music.example.org", **env)


def test_production_defaults_to_invitations_and_the_console_mail():
    result = production(STREAMAPP_SIGNUP="", EMAIL_URL="")
    expected = ["invite", "django.core.mail.backends.console.EmailBackend"]
    assert result.stdout.splitlines()[-1].split() == expected, result.stderr


def test_production_takes_the_operators_choice_and_smtp():
    result = production(STREAMAPP_SIGNUP="closed", EMAIL_URL="smtp://u:p@mail.example.org")
    expected = ["closed", "django.core.mail.backends.smtp.EmailBackend"]
    assert result.stdout.splitlines()[-1].split() == expected, result.stderr


def test_local_is_open():
    result = run_manage(
        "shell", "-c", PRINT, DJANGO_SETTINGS_MODULE="streamapp.settings.local", STREAMAPP_SIGNUP=""
    )
    assert result.stdout.splitlines()[-1].split()[0] == "open", result.stderr


@pytest.mark.parametrize(("name", "value"), [("STREAMAPP_SIGNUP", "sometimes"), ("EMAIL_URL", "pop3://x")])
def test_a_wrong_value_refuses_to_start(name, value):
    result = production(**{name: value})
    assert result.returncode != 0
    assert name in result.stderr

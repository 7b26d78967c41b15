"""EMAIL_URL (streamapp/email_url.py): the outgoing mail configuration in one variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from streamapp.email_url import parse_email_url


def test_no_url_prints_mails_on_the_console():
    assert parse_email_url("") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


def test_smtp_with_starttls_and_a_percent_encoded_password():
    settings = parse_email_url("smtp://me%40example.org:p%40ss%3Aword@mail.example.org:2525?timeout=3")
    assert settings == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "me@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss:word",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 3.0,
    }


def test_smtps_and_plain_smtp_have_their_default_ports():
    assert parse_email_url("smtps://u:p@mail.example.org")["EMAIL_PORT"] == 465
    assert parse_email_url("smtps://u:p@mail.example.org")["EMAIL_USE_SSL"] is True
    plain = parse_email_url("smtp+insecure://localhost")
    assert (plain["EMAIL_PORT"], plain["EMAIL_USE_TLS"], plain["EMAIL_HOST_USER"]) == (25, False, "")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("imap://mail.example.org", "unknown scheme"),
        ("smtp://", "host name is missing"),
        ("smtp://mail.example.org:port", "EMAIL_URL"),
        ("smtp://mail.example.org?timeout=soon", "EMAIL_URL"),
    ],
)
def test_a_bad_url_names_the_problem(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_email_url(url)

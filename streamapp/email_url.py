"""EMAIL_URL: the whole outgoing mail configuration in one environment variable (docs/configuration.md).

    smtp://user:password@host:587       SMTP with STARTTLS (the submission port's usual way)
    smtps://user:password@host:465      SMTP over TLS from the first byte
    smtp+insecure://host:25             plain SMTP, for a relay on the same machine or network
    console:                            print each mail on the standard output (the embedded default)

User and password are percent-decoded (write @ as %40). `?timeout=` sets the seconds to wait for the
server (10 by default). Parsed by hand with urllib.parse: no dependency for a dozen lines.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_SMTP_SCHEMES = {
    "smtp": {"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False, "port": 587},
    "smtps": {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True, "port": 465},
    "smtp+insecure": {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "port": 25},
}


def parse_email_url(url: str) -> dict:
    """Return Django's EMAIL_* settings for an EMAIL_URL; ImproperlyConfigured names what is wrong."""
    if not url or url in {"console:", "console://"}:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    scheme = _SMTP_SCHEMES.get(parts.scheme)
    if scheme is None:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown scheme {parts.scheme!r} (use smtp, smtps, smtp+insecure or console)."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL: the SMTP server's host name is missing.")
    try:
        port = parts.port or scheme["port"]
        query = parse_qs(parts.query)
        timeout = float(query.get("timeout", ["10"])[0])
    except ValueError as error:
        raise ImproperlyConfigured(f"EMAIL_URL: {error}.") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme["EMAIL_USE_TLS"],
        "EMAIL_USE_SSL": scheme["EMAIL_USE_SSL"],
        "EMAIL_TIMEOUT": timeout,
    }

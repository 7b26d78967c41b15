"""OpenID Connect log-in end to end, against a real provider (django-oauth-toolkit) the test starts.

The provider (tests/oidc_provider/) runs in its own process with its own SQLite database and a fresh
RS256 key; a real HTTP client follows the authorization-code flow from streamapp's log-in page through
the provider's log-in form and back to streamapp's live server. Nothing is mocked.
"""

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts.sso.models import OIDCIdentity

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "streamapp-test"
CLIENT_SECRET = "a-client-secret-for-the-test-provider"
STAFF_GROUP = "streamapp-admins"
USERS = [
    {
        "username": "alice",
        "password": "alice-op-pass-1",
        "email": "alice@example.org",
        "groups": [STAFF_GROUP],
    },
    {"username": "bob", "password": "bob-op-pass-1", "email": "bob@example.org", "groups": ["listeners"]},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    """The provider's base URL, serving until the module's tests are done."""
    directory = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = directory / "key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    port = _free_port()
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{live_server.url}/accounts/sso/oidc/callback/",
        "users": USERS,
    }
    env = {
        "PATH": "/usr/bin:/bin",
        "OP_DATABASE": str(directory / "provider.sqlite3"),
        "OP_RSA_KEY_FILE": str(key_file),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(port), json.dumps(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready", "the OpenID Connect provider did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_settings(settings, provider):
    settings.STREAMAPP_OIDC_PROVIDER_NAME = "Test ID"
    settings.STREAMAPP_OIDC_DISCOVERY_URL = f"{provider}/o/.well-known/openid-configuration"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.STREAMAPP_OIDC_STAFF_GROUP = STAFF_GROUP
    settings.STREAMAPP_SIGNUP = "open"
    return settings


def _log_in(live_server, who: dict) -> requests.Response:
    """Follow the flow from streamapp's log-in page as `who`; return streamapp's last answer."""
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/accounts/login/", timeout=10)
    start = re.search(r'href="(/accounts/sso/oidc/start/[^"]*)"[^>]*>Log in with Test ID<', page.text)
    assert start, "no single sign-on button on the log-in page"
    form = browser.get(live_server.url + start.group(1), timeout=10)  # the provider's log-in form
    assert form.url.startswith("http://127.0.0.1:") and "/login/" in form.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = browser.post(
        form.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": who["username"],
            "password": who["password"],
            "next": re.search(r'name="next" value="([^"]*)"', form.text).group(1).replace("&amp;", "&"),
        },
        headers={"Referer": form.url},
        timeout=20,
    )
    answer.session = browser
    return answer


def test_first_log_in_creates_the_user_with_staff_from_the_group(
    oidc_settings, provider, live_server, django_user_model
):
    answer = _log_in(live_server, USERS[0])

    assert answer.status_code == 200 and answer.url == f"{live_server.url}/"
    alice = django_user_model.objects.get(email="alice@example.org")
    assert (alice.username, alice.is_staff, alice.has_usable_password()) == ("alice", True, False)
    profile = answer.session.get(f"{live_server.url}/accounts/profile/", timeout=10, allow_redirects=False)
    assert profile.status_code == 200 and "alice" in profile.text
    identity = OIDCIdentity.objects.get(user=alice)
    assert (identity.issuer, identity.subject) == (f"{provider}/o", "1")  # alice is the provider's user 1

    # The next log-in finds the account by its identity, whatever its e-mail address has become.
    django_user_model.objects.filter(pk=alice.pk).update(email="alice@elsewhere.example")
    assert _log_in(live_server, USERS[0]).url == f"{live_server.url}/"
    assert django_user_model.objects.count() == 1 and OIDCIdentity.objects.count() == 1


def test_closed_sign_up_refuses_an_unknown_user_and_lets_a_known_one_in(
    oidc_settings, live_server, django_user_model
):
    oidc_settings.STREAMAPP_SIGNUP = "closed"
    refused = _log_in(live_server, USERS[1])
    assert refused.status_code == 403
    assert "no account for you here yet" in refused.text
    assert not django_user_model.objects.filter(email="bob@example.org").exists()

    # Staff created the account (another name, the same address; staff until the provider says not).
    django_user_model.objects.create_user("robert", email="Bob@Example.org", is_staff=True)
    answer = _log_in(live_server, USERS[1])
    assert answer.status_code == 200 and answer.url == f"{live_server.url}/"
    robert = django_user_model.objects.get(username="robert")
    assert robert.is_staff is False
    assert OIDCIdentity.objects.get().user == robert  # linked by the address, found by identity next
    assert django_user_model.objects.count() == 1


def test_a_deactivated_user_is_refused(oidc_settings, live_server, django_user_model):
    django_user_model.objects.create_user("alice", email="alice@example.org", is_active=False)

    refused = _log_in(live_server, USERS[0])

    assert refused.status_code == 403 and "deactivated" in refused.text
    profile = refused.session.get(f"{live_server.url}/accounts/profile/", timeout=10, allow_redirects=False)
    assert profile.status_code == 302

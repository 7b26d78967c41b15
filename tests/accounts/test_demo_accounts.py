"""Demo accounts in production: `check --deploy` names one that keeps its demo password, and the
demo passwords never log in while STREAMAPP_ALLOW_DEMO_ACCOUNTS is off (production)."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from tests.subprocess_db import database_url
from tests.test_settings import GOOD_KEY, run_manage

PBKDF2 = PBKDF2PasswordHasher()  # production's hasher (the test settings use MD5, which it can't read)


def check_deploy():
    return run_manage(
        "check",
        "--deploy",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="music.example.org",
        DATABASE_URL=database_url(),
    )


@pytest.mark.django_db(transaction=True)
def test_check_deploy_fails_while_a_demo_account_keeps_its_demo_password(django_user_model):
    admin = django_user_model.objects.create(
        username="admin",
        is_staff=True,
        is_superuser=True,
        password=make_password("admin", hasher=PBKDF2),
    )
    django_user_model.objects.create(username="demo", password=make_password("a-real-pass-9", hasher=PBKDF2))
    result = check_deploy()
    assert result.returncode != 0
    assert (
        "(accounts.E001) The demo account 'admin' still has its demo password (admin/admin): anyone can "
        "log in as it with staff and superuser rights."
    ) in result.stderr
    assert "manage.py changepassword admin" in result.stderr
    assert "'demo'" not in result.stderr  # its password was changed
    admin.password = make_password("a-new-long-passphrase", hasher=PBKDF2)
    admin.save()
    result = check_deploy()
    assert result.returncode == 0, result.stderr
    assert "accounts.E001" not in result.stderr


@pytest.mark.django_db
def test_production_refuses_a_log_in_with_a_demo_password(settings, client, django_user_model):
    settings.STREAMAPP_ALLOW_DEMO_ACCOUNTS = False
    django_user_model.objects.create_superuser(username="admin", password="admin", email="a@x.org")
    django_user_model.objects.create_user(username="demo", password="demo")
    response = client.post("/accounts/login/", {"username": "admin", "password": "admin"})
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert "_auth_user_id" not in client.session
    assert authenticate(username="demo", password="demo") is None
    assert client.post("/admin/login/", {"username": "admin", "password": "admin"}).status_code == 200
    assert "_auth_user_id" not in client.session
    # The same account with a password of its own logs in.
    admin = django_user_model.objects.get(username="admin")
    admin.set_password("a-new-long-passphrase")
    admin.save()
    assert authenticate(username="admin", password="a-new-long-passphrase") == admin


@pytest.mark.django_db
def test_demo_passwords_log_in_where_demo_accounts_are_allowed(settings, client, django_user_model):
    settings.STREAMAPP_ALLOW_DEMO_ACCOUNTS = True
    demo = django_user_model.objects.create_user(username="demo", password="demo")
    assert authenticate(username="demo", password="demo") == demo

"""User names: NFKC, mixed scripts and look-alikes refused on sign-up and in the admin's forms."""

import pytest
from django.contrib.auth import get_user_model

from accounts.forms import AdminUserChangeForm, AdminUserCreationForm, SignupForm
from accounts.usernames import skeleton

pytestmark = pytest.mark.django_db

User = get_user_model()


def signup_form(username):
    return SignupForm(
        {
            "username": username,
            "password1": "a-long-Secret-42",
            "password2": "a-long-Secret-42",
            "time_zone": "UTC",
        }
    )


@pytest.mark.parametrize("name", ["аdmin", "dеmo"])  # a Cyrillic а, a Cyrillic е
def test_names_mixing_scripts_are_refused_with_a_clear_error(name):
    form = signup_form(name)
    assert not form.is_valid()
    assert "mixes alphabets" in form.errors["username"][0]


def test_a_name_in_one_other_script_that_looks_like_an_existing_one_is_refused():
    User.objects.create_user(username="aeo", password="x-pass-12345")
    form = signup_form("аео")  # all Cyrillic
    assert not form.is_valid()
    assert form.errors["username"] == ["This user name looks like an existing one: choose another."]


def test_names_are_stored_in_nfkc():
    form = signup_form("Ｍｉｋａ")  # fullwidth letters
    assert form.is_valid(), form.errors
    assert form.save().username == "Mika"


def test_a_case_variant_of_an_existing_name_is_refused():
    User.objects.create_user(username="listener", password="x-pass-12345")
    assert not signup_form("LISTENER").is_valid()


def test_honest_names_in_any_one_script_are_accepted():
    for name in ("Zoë", "Юрий", "Ελένη", "user_1"):
        assert signup_form(name).is_valid(), name


def test_skeleton_maps_look_alikes_to_ascii():
    assert skeleton("аdmin") == skeleton("ADMIN") == "admin"


def test_the_admins_creation_form_applies_the_same_rules():
    form = AdminUserCreationForm(
        {
            "username": "аdmin",
            "password1": "a-long-Secret-42",
            "password2": "a-long-Secret-42",
            "usable_password": "true",
        }
    )
    assert not form.is_valid()
    assert "mixes alphabets" in form.errors["username"][0]


def test_the_admins_change_form_checks_a_new_name_but_leaves_an_unchanged_one(user):
    User.objects.create_user(username="mika", password="x-pass-12345")
    data = {
        "username": "listener",
        "date_joined": user.date_joined,
        "time_zone": "UTC",
        "stream_quality": "auto",
        "loudness_target": "normal",
        "crossfade_seconds": 0,
    }
    assert AdminUserChangeForm(data, instance=user).is_valid()
    renamed = AdminUserChangeForm({**data, "username": "mikа"}, instance=user)  # Cyrillic а
    assert not renamed.is_valid()

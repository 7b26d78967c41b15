"""streamapp.compiled.CompiledQuery: the ORM's SQL compiled once, run raw with each call's values, the
database's converters applied (JSON, dates), the same rows as the ORM."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F

from listening.models import PlayerState
from streamapp.compiled import CompiledQuery

pytestmark = pytest.mark.django_db


def test_rows_match_the_orm_with_converters_applied(user, other_user, django_assert_num_queries):
    PlayerState.objects.create(user=user, queue=[3, 1, 2], current_index=1, position_ms=61_000)
    query = CompiledQuery(
        lambda user_id: PlayerState.objects.filter(user_id=user_id).order_by()[:1], user_id=-(2**62)
    )
    with django_assert_num_queries(1):
        (state,) = query.fetch(user_id=user.pk)
    expected = PlayerState.objects.get(user=user)
    assert (state.pk, state.queue, state.position_ms, state.updated_at) == (
        expected.pk,
        [3, 1, 2],
        61_000,
        expected.updated_at,
    )
    assert query.fetch(user_id=other_user.pk) == []


def test_annotations_become_attributes_and_values_are_parameters(user, other_user):
    users = get_user_model()
    query = CompiledQuery(
        lambda name: users.objects.filter(username=name).annotate(name_again=F("username")),
        name="\x00name",
    )
    for person in (user, other_user):
        (found,) = query.fetch(name=person.username)
        assert (found.pk, found.name_again, found.date_joined) == (
            person.pk,
            person.username,
            users.objects.get(pk=person.pk).date_joined,
        )
    assert query.fetch(name="nobody' OR '1'='1") == []


def test_a_sentinel_missing_from_the_sql_is_refused():
    query = CompiledQuery(
        lambda name: get_user_model().objects.filter(username__icontains=name), name="\x00n"
    )
    with pytest.raises(ValueError, match="name"):
        query.fetch(name="x")

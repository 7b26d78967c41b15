"""The player's saved queue and position, shared by a user's devices."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Track

from ..models import ContextType, PlayerState

QUEUE_MAX_LENGTH = settings.STREAMAPP_QUEUE_MAX_LENGTH


@transaction.atomic
def player_state_save(
    *,
    user,
    queue: list[int],
    current_index: int,
    position_ms: int,
    shuffle: bool = False,
    repeat: str = PlayerState.Repeat.OFF,
    volume: float = 1.0,
    context_type: str = "",
    context_id: str = "",
    base_version: int | None = None,
) -> PlayerState:
    """Save the user's queue and position; return the state with its new version.

    When base_version is given and the stored state is newer (another device saved meanwhile),
    raise ValidationError({"version": ...}) so the client reloads instead of overwriting it.
    """
    if len(queue) > QUEUE_MAX_LENGTH:
        raise ValidationError({"queue": f"The queue holds at most {QUEUE_MAX_LENGTH} tracks."})
    known = set(Track.objects.filter(pk__in=set(queue)).values_list("pk", flat=True))
    unknown = [track_id for track_id in queue if track_id not in known]
    if unknown:
        raise ValidationError({"queue": f"Unknown track ids: {', '.join(map(str, unknown[:10]))}."})
    if queue and not 0 <= current_index < len(queue):
        raise ValidationError({"current_index": "current_index must point into the queue."})
    if repeat not in PlayerState.Repeat.values:
        raise ValidationError({"repeat": "repeat must be off, all or one."})
    if not 0.0 <= volume <= 1.0:
        raise ValidationError({"volume": "volume must be between 0 and 1."})
    if context_type not in ContextType.values:
        raise ValidationError({"context_type": f"Unknown context {context_type!r}."})
    state, _ = PlayerState.objects.select_for_update().get_or_create(user=user)
    if base_version is not None and base_version < state.version:
        raise ValidationError({"version": "The queue changed on another device; reload it."})
    state.queue = list(queue)
    state.current_index = current_index if queue else 0
    state.position_ms = position_ms
    state.shuffle, state.repeat, state.volume = shuffle, repeat, volume
    state.context_type, state.context_id = context_type, context_id[:64]
    state.version += 1
    state.save()
    return state

"""The entry points of ``recommend.services.workflow.run_sync``'s chunk worker processes (spawned).

Spawned processes import this module before Django is set up, so it imports nothing of Django or
of the apps at module level: ``setup`` configures Django first, then loads the workflow.
"""

_state: dict = {}


def setup(database_name: str, artifact: str) -> None:
    """Set up Django on the parent's database (e.g. a test database) and memory-map its model."""
    # Imported here, not at module level: spawned workers import this module before Django is set up.
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name
    from threadpoolctl import threadpool_limits  # heavy (BLAS), and only in worker processes

    from recommend.services import training  # imports models: only once django.setup() has run

    threadpool_limits(1)  # one BLAS thread per worker: the workers already share the cores
    _state["trained"] = training.load_trained_path(artifact)


def generate(run_id: int, user_ids: list[int]) -> tuple[dict, int]:
    """Generate one chunk of the run; return its result and its size."""
    from recommend.services import workflow  # imports models: only once setup() has run

    return workflow.chunk_stage(run_id, user_ids, trained=_state["trained"]), len(user_ids)


def neighbours(run_id: int) -> tuple[dict, int]:
    """Write the run's item neighbours; return the result (no listeners: size 0)."""
    from recommend.services import workflow  # imports models: only once setup() has run

    return workflow.neighbours_stage(run_id, trained=_state["trained"]), 0

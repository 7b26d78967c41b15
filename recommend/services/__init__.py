"""Recommend's services: training, generation, the nightly workflow and its lock.

The public functions, for views, tasks, commands and benchmarks:

- ``workflow.run_sync(progress=None, *, user_ids=None) -> RecommendationRun``: the whole rebuild in
  process (``manage.py rebuild_recommendations``, bench/rebuild.py);
- ``generation.generate_for_user(user)``: one listener's lists now (cold start, after taste picks);
- ``generation.generated_playlists(user)``: their Discover and Daily Mixes, in order;
- ``training.train(...)``, ``training.latest_trained()``, ``training.load_trained(run_id)``: the
  fitted model and catalog facts (``TrainedModel``) for radio and similar items;
- ``lock.lock_acquire / lock_refresh / lock_release``: the rebuild lock.
"""

from . import generation, lock, training, workflow

__all__ = ["generation", "lock", "training", "workflow"]

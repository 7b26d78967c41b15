"""The real Last.fm HetRec data, when it is there: EASE must stay near the published LightGCN result."""

import pytest

from recommend.engine.benchmark import compare_models, lastfm_hetrec_split
from recommend.engine.datasets import lastfm_hetrec_dir, load_lastfm_hetrec
from streamapp.settings.base import BASE_DIR

DATA_DIR = lastfm_hetrec_dir(BASE_DIR)


@pytest.mark.skipif(
    not (DATA_DIR / "user_artists.dat").is_file(), reason=f"no Last.fm HetRec data in {DATA_DIR}"
)
def test_ease_beats_popularity_on_lastfm_hetrec_by_far():
    split = lastfm_hetrec_split(load_lastfm_hetrec(DATA_DIR), seed=0)
    comparison = compare_models(split, ["popularity", "ease"])
    popularity, ease = comparison.results
    assert ease.users > 1800
    assert ease.metrics["ndcg@10"] > 0.19
    assert ease.metrics["ndcg@10"] > 2.5 * popularity.metrics["ndcg@10"]

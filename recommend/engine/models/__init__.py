"""The recommenders, all behind ``base.Recommender``'s interface, and a registry by name."""

from .als import ALS
from .base import Recommender, default_batch_size, normalize_rows, top_k
from .content import Content
from .ease import EASE
from .hybrid import Hybrid
from .itemknn import ItemKNN, RP3Beta
from .popularity import Popularity

MODELS: dict[str, type[Recommender]] = {
    "popularity": Popularity,
    "itemknn": ItemKNN,
    "rp3beta": RP3Beta,
    "ease": EASE,
    "als": ALS,
    "content": Content,
    "hybrid": Hybrid,
}

__all__ = [
    "ALS",
    "EASE",
    "MODELS",
    "Content",
    "Hybrid",
    "ItemKNN",
    "Popularity",
    "RP3Beta",
    "Recommender",
    "default_batch_size",
    "make_model",
    "normalize_rows",
    "top_k",
]


def make_model(name: str, **params) -> Recommender:
    """Return an unfitted model by registry name (the hybrid takes ``components=`` and ``weights=``)."""
    try:
        model_class = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}: choose from {', '.join(MODELS)}") from None
    return model_class(**params)

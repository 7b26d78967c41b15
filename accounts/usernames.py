"""User names: normalised (NFKC), refused when they mix scripts or look like an existing one.

The one place for the rule: the sign-up form and the admin's user forms call `clean_username`.
`аdmin` written with a Cyrillic а mixes scripts; an all-Cyrillic `аео` beside an existing `aeo` is a
look-alike. Look-alikes are found by a skeleton: the NFKC, casefolded name with every non-ASCII
character that has an ASCII homoglyph (Unicode's confusables table, from confusable_homoglyphs)
replaced by it. Comparing against the existing names reads them in one query (a self-hosted server has
hundreds of accounts, not millions).
"""

import unicodedata
from functools import cache

from confusable_homoglyphs import confusables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError


def normalize(username: str) -> str:
    """Return the name in Unicode's compatibility composition (fullwidth Ａ becomes A, ﬁ becomes fi)."""
    return unicodedata.normalize("NFKC", username or "")


@cache
def _ascii_lookalike(char: str) -> str:
    for entry in confusables.confusables_data.get(char, ()):
        glyph = entry["c"]
        if glyph.isascii() and glyph.isprintable() and len(glyph) == 1:
            return glyph.casefold()
    return char


def skeleton(username: str) -> str:
    """Return what the name looks like: casefolded, with ASCII look-alikes for non-ASCII letters."""
    folded = normalize(username).casefold()
    return "".join(char if char.isascii() else _ascii_lookalike(char) for char in folded)


def clean_username(username: str, *, exclude_pk=None) -> str:
    """Return the normalised name, or raise ValidationError naming what is wrong with it."""
    name = normalize(username)
    if confusables.is_mixed_script(name):
        raise ValidationError(
            "This user name mixes alphabets (for example a Cyrillic “а” among Latin letters): "
            "write it in one alphabet.",
            code="mixed_scripts",
        )
    wanted = skeleton(name)
    others = get_user_model().objects.exclude(pk=exclude_pk).values_list("username", flat=True)
    for other in others.iterator(chunk_size=2000):
        if skeleton(other) == wanted:
            raise ValidationError(
                "This user name looks like an existing one: choose another.", code="confusable"
            )
    return name

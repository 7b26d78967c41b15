"""Array helpers that assemble a chunk's generated lists at once (no per-entry Python objects).

The generation service (``generation.py``) scores a chunk of listeners into candidate pools
(listeners x pool positions); these functions turn the whole chunk's pools into Discover picks,
Daily Mix contents and their titles with a fixed number of array passes, each a sort over the
chunk's entries. numpy is imported by the functions only: web workers import the generation
service for cold starts.

The building block is ``run_rank``: for entries in a given order, how many earlier entries share
their key (the n-th play of an artist, the n-th entry of a taste group, the n-th track of a mix).
"""

from dataclasses import dataclass

DISCOVER_PER_ARTIST = 2
MIX_PER_ARTIST = 6


def run_rank(keys):
    """Return, for each entry of the 1-d ``keys``, how many earlier entries have the same key."""
    import numpy as np  # heavy, deferred: web workers import this module

    keys = np.asarray(keys)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    index = np.arange(len(keys))
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first = np.maximum.accumulate(np.where(starts, index, 0))
    rank = np.empty(len(keys), np.int64)
    rank[order] = index - first
    return rank


def _unique_where(mask, keys):
    """Return ``keys`` where ``mask`` holds, elsewhere distinct negative keys that share no run."""
    import numpy as np  # heavy, deferred: web workers import this module

    return np.where(mask, keys, -1 - np.arange(keys.size).reshape(keys.shape))


def discover_positions(artist, album, valid, groups, *, length: int):
    """Pick each row's Discover among its pool positions (rows x pool, best first).

    At most DISCOVER_PER_ARTIST per artist and one per album, taking turns across the row's taste
    groups (in the order of each group's best entry; best first within a group). Returns rows x
    ``length`` pool positions, -1 padded when the pool runs out of variety (``discover_fill`` then
    completes them).
    """
    import numpy as np  # heavy, deferred: web workers import this module

    rows, size = valid.shape
    row = np.repeat(np.arange(rows, dtype=np.int64), size).reshape(rows, size)
    album_key = row * (int(album.max(initial=0)) + 1) + album
    album_ok = valid & (run_rank(_unique_where(valid, album_key).ravel()).reshape(rows, size) == 0)
    artist_key = row * (int(artist.max(initial=0)) + 1) + artist
    taken = run_rank(_unique_where(album_ok, artist_key).ravel()).reshape(rows, size)
    ok = album_ok & (taken < DISCOVER_PER_ARTIST)
    n_groups = int(groups.max(initial=0)) + 1
    turn = run_rank(_unique_where(ok, row * n_groups + groups).ravel()).reshape(rows, size)
    first_seen = np.full((rows, n_groups), size, np.int64)
    position = np.broadcast_to(np.arange(size), (rows, size))
    np.minimum.at(first_seen, (row[valid], groups[valid]), position[valid])
    order_key = np.where(ok, turn * (size + 1) + first_seen[row, groups], np.iinfo(np.int64).max)
    order = np.argsort(order_key, axis=1, kind="stable")[:, :length]
    picked = np.take_along_axis(ok, order, axis=1)
    return np.where(picked, order, -1)


def discover_fill(chosen: list[int], pool_artists: list[int], *, length: int) -> list[int]:
    """Complete a short Discover (album variety ran out before the pool did) with the pool's next
    positions, still at most DISCOVER_PER_ARTIST per artist."""
    taken: dict[int, int] = {}
    for position in chosen:
        taken[pool_artists[position]] = taken.get(pool_artists[position], 0) + 1
    picked = set(chosen)
    out = list(chosen)
    for position, artist in enumerate(pool_artists):
        if len(out) == length:
            break
        if position in picked or taken.get(artist, 0) >= DISCOVER_PER_ARTIST:
            continue
        taken[artist] = taken.get(artist, 0) + 1
        out.append(position)
    return out


@dataclass
class MixEntries:
    """A chunk's Daily Mix entries, flat and in order: ``mix`` numbers the chunk's mixes (row-major,
    best mix first within a row), ``row`` and ``slot`` (1-based) say whose and which it is."""

    mix: object  # per entry: the chunk's mix index
    item: object  # item index
    pool_position: object  # the entry's pool position, -1 for a favourite
    mix_row: object  # per mix: its listener's row
    mix_slot: object  # per mix: 1 for the listener's first Daily Mix, ...
    mix_group: object  # per mix: the taste group it is drawn from


def mix_entries(favourites, new, *, weight, eligible, max_mixes: int, length: int, artist) -> MixEntries:
    """Build the chunk's Daily Mixes from their favourites and new finds.

    ``favourites`` and ``new`` are flat (row, group, item, pool position) arrays in preference order
    within each (row, group); ``weight`` and ``eligible`` are rows x groups. Each row's eligible
    groups, heaviest first (at most ``max_mixes``), become its mixes: favourites and new finds
    alternating (a favourite first), at most MIX_PER_ARTIST per artist, ``length`` entries.
    """
    import numpy as np  # heavy, deferred: web workers import this module

    rows, n_groups = weight.shape
    rank_key = np.where(eligible, -weight, np.inf)
    order = np.argsort(rank_key, axis=1, kind="stable")[:, :max_mixes]
    chosen = np.take_along_axis(eligible, order, axis=1)
    slot = np.zeros((rows, n_groups), np.int64)  # 0: no mix
    np.put_along_axis(slot, order, np.where(chosen, np.cumsum(chosen, axis=1), 0), axis=1)

    # Entries are keyed by (row, slot - 1): a row's mixes come out best first.
    parts = []
    counts = {}
    for name, (row, group, item, pool_position) in (("favourite", favourites), ("new", new)):
        keep = slot[row, group] > 0
        row, group, item, pool_position = row[keep], group[keep], item[keep], pool_position[keep]
        key = row * n_groups + slot[row, group] - 1
        counts[name] = np.bincount(key, minlength=rows * n_groups)
        parts.append((key, item, pool_position, run_rank(key)))
    (fav_key, fav_item, fav_pos, fav_rank), (new_key, new_item, new_pos, new_rank) = parts
    # favourite r follows r new finds while they last; new find r follows r + 1 favourites while they last
    fav_order = fav_rank + np.minimum(fav_rank, counts["new"][fav_key])
    new_order = new_rank + np.minimum(new_rank + 1, counts["favourite"][new_key])
    key = np.concatenate([fav_key, new_key])
    item = np.concatenate([fav_item, new_item])
    pool_position = np.concatenate([fav_pos, new_pos])
    entry_order = np.concatenate([fav_order, new_order])
    within = entry_order < 2 * length
    key, item, pool_position, entry_order = (
        key[within],
        item[within],
        pool_position[within],
        entry_order[within],
    )
    sort = np.lexsort((entry_order, key))
    key, item, pool_position = key[sort], item[sort], pool_position[sort]
    artist_key = key * (int(artist.max(initial=0)) + 1) + artist[item]
    capped = run_rank(artist_key) < MIX_PER_ARTIST
    key, item, pool_position = key[capped], item[capped], pool_position[capped]
    short = run_rank(key) < length
    key, item, pool_position = key[short], item[short], pool_position[short]
    mix_keys, mix = np.unique(key, return_inverse=True)
    return MixEntries(
        mix=mix,
        item=item,
        pool_position=pool_position,
        mix_row=mix_keys // n_groups,
        mix_slot=mix_keys % n_groups + 1,
        mix_group=order[mix_keys // n_groups, mix_keys % n_groups],
    )


def top_weighted(owner, key, weight, *, limit: int) -> list[list[int]]:
    """Per owner (0..n-1), its ``limit`` keys of the largest summed weight, ties to the key met first.

    ``owner``, ``key`` and ``weight`` are flat arrays in the order entries were met (what
    ``Counter.most_common`` gives, as arrays). Returns a list of key lists, one per owner up to the
    largest owner given.
    """
    import numpy as np  # heavy, deferred: web workers import this module

    out: list[list[int]] = [[] for _ in range(int(owner.max(initial=-1)) + 1)]
    if not len(owner):
        return out
    span = int(key.max(initial=0)) + 1
    pairs, inverse = np.unique(owner.astype(np.int64) * span + key, return_inverse=True)
    sums = np.bincount(inverse, weights=weight.astype(np.float64))
    first = np.full(len(pairs), len(owner), np.int64)
    np.minimum.at(first, inverse, np.arange(len(owner)))
    pair_owner = pairs // span
    order = np.lexsort((first, -sums, pair_owner))
    kept = order[run_rank(pair_owner[order]) < limit]
    for pair_owner_value, pair_key in zip(
        pair_owner[kept].tolist(), (pairs[kept] % span).tolist(), strict=True
    ):
        out[pair_owner_value].append(pair_key)
    return out

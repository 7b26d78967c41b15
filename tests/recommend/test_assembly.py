"""The array passes that assemble a chunk's Discover and Daily Mixes (recommend/services/assembly.py)."""

import numpy as np

from recommend.services import assembly


def test_run_rank_counts_earlier_entries_with_the_same_key():
    assert assembly.run_rank(np.array([5, 3, 5, 5, 3, 9])).tolist() == [0, 0, 1, 2, 1, 0]
    assert assembly.run_rank(np.array([], np.int64)).tolist() == []


def test_discover_takes_turns_across_groups_one_per_album_two_per_artist():
    # One listener, pool best first: items 0..7 (item index = pool position here).
    artist = np.array([[1, 1, 1, 2, 3, 4, 5, 6]])
    album = np.array([[10, 11, 12, 20, 30, 30, 50, 60]])
    groups = np.array([[0, 0, 0, 0, 1, 1, 1, 1]])
    valid = np.ones((1, 8), dtype=bool)
    picked = assembly.discover_positions(artist, album, valid, groups, length=5)[0].tolist()
    # artist 1's third track (position 2) is over the cap, position 5 repeats album 30; group 0 leads
    # (its best entry comes first) and the groups alternate.
    assert picked == [0, 4, 1, 6, 3]


def test_discover_pads_when_variety_runs_out_and_fill_completes_it():
    artist = np.array([[1, 1, 1, 1]])
    album = np.array([[1, 2, 3, 4]])
    positions = assembly.discover_positions(
        artist, album, np.ones((1, 4), dtype=bool), np.zeros((1, 4), np.int64), length=3
    )
    assert positions[0].tolist() == [0, 1, -1]
    assert assembly.discover_fill([0, 1], [1, 1, 1, 1], length=3) == [0, 1]  # the artist cap holds
    assert assembly.discover_fill([0], [1, 2, 2, 3], length=3) == [0, 1, 2]


def test_mix_entries_alternate_favourites_and_new_finds_heaviest_group_first():
    artist = np.array([0, 1, 1, 1, 2, 3, 4, 5, 6, 7])  # by item index
    # One listener, two groups: group 1 is heavier, so it is mix 1.
    favourites = (np.array([0, 0, 0, 0]), np.array([0, 1, 1, 1]), np.array([0, 4, 5, 6]), np.full(4, -1))
    new = (np.array([0, 0, 0]), np.array([1, 1, 0]), np.array([1, 2, 7]), np.array([0, 1, 2]))
    weight = np.array([[1.0, 5.0]])
    eligible = np.array([[True, True]])
    mixes = assembly.mix_entries(
        favourites, new, weight=weight, eligible=eligible, max_mixes=6, length=30, artist=artist
    )
    assert mixes.mix_slot.tolist() == [1, 2]
    assert mixes.mix_group.tolist() == [1, 0]
    first = mixes.item[mixes.mix == 0].tolist()
    assert first == [4, 1, 5, 2, 6]  # favourite, new, favourite, new, then the favourites left
    assert mixes.pool_position[mixes.mix == 0].tolist() == [-1, 0, -1, 1, -1]
    assert mixes.item[mixes.mix == 1].tolist() == [0, 7]


def test_mix_entries_cap_each_artist():
    artist = np.zeros(20, np.int64)  # every item by the same artist
    favourites = (np.zeros(10, np.int64), np.zeros(10, np.int64), np.arange(10), np.full(10, -1))
    new = (np.zeros(10, np.int64), np.zeros(10, np.int64), np.arange(10, 20), np.arange(10))
    mixes = assembly.mix_entries(
        favourites,
        new,
        weight=np.array([[1.0]]),
        eligible=np.array([[True]]),
        max_mixes=6,
        length=30,
        artist=artist,
    )
    assert mixes.item.tolist() == [0, 10, 1, 11, 2, 12][: assembly.MIX_PER_ARTIST]


def test_top_weighted_breaks_ties_by_first_met():
    owner = np.array([0, 0, 0, 1, 1, 0])
    key = np.array([7, 3, 7, 2, 4, 5])
    weight = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 2.0])
    # owner 0: 7 -> 2.0 (met first), 3 -> 2.0, 5 -> 2.0; owner 1: 2 and 4 tie, 2 met first.
    assert assembly.top_weighted(owner, key, weight, limit=2) == [[7, 3], [2, 4]]

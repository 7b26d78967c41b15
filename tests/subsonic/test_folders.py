"""Browsing by folders (the DSub family's default): artists, then `al-<album>` folders, then songs."""

import pytest

from .conftest import NS

pytestmark = pytest.mark.django_db


def test_folders_lead_from_the_index_to_the_songs(api, library):
    miles = library["artists"][0]
    kind_of_blue = library["albums"][0]
    artist_id = api.ok("getIndexes")["indexes"]["index"][1]["artist"][0]["id"]
    assert artist_id == str(miles.pk)
    artist = api.ok("getMusicDirectory", id=artist_id)["directory"]
    assert artist["name"] == "Miles Davis" and "starred" not in artist
    assert [(child["title"], child["isDir"]) for child in artist["child"]] == [
        ("Sketches of Spain", True),
        ("Kind of Blue", True),
    ]
    album_folder = artist["child"][1]
    assert (album_folder["id"], album_folder["parent"]) == (f"al-{kind_of_blue.pk}", artist_id)
    album = api.ok("getMusicDirectory", id=album_folder["id"])["directory"]
    assert [song["title"] for song in album["child"]] == ["So What", "Freddie Freeloader"]
    assert album["child"][0]["parent"] == album_folder["id"] and album["parent"] == artist_id


def test_folder_lists_search_and_stars_are_folders_in_xml_too(api, library):
    song, album = library["songs"][0], library["albums"][0]
    api.ok("star", id=song.pk, albumId=album.pk)
    albums = api.xml("getAlbumList", type="alphabeticalByName").find(f"{NS}albumList").findall(f"{NS}album")
    assert [row.get("title") for row in albums] == ["Abbey Road", "Kind of Blue", "Sketches of Spain"]
    assert albums[1].get("isDir") == "true" and albums[1].get("id") == f"al-{album.pk}"
    found = api.ok("search2", query="miles")["searchResult2"]
    assert [row["id"] for row in found["artist"]] == [str(library["artists"][0].pk)]
    assert {row["id"] for row in found["album"]} == {f"al-{album.pk}", f"al-{library['albums'][1].pk}"}
    starred = api.ok("getStarred")["starred"]
    assert [row["id"] for row in starred["album"]] == [f"al-{album.pk}"] and "starred" in starred["album"][0]
    assert [row["id"] for row in starred["song"]] == [str(song.pk)]


def test_unknown_folders_are_not_found(api, library):
    for folder in ("al-999999", "999999", "al-x", "ar-1", "1" * 30, "٣"):
        assert api.error("getMusicDirectory", id=folder) == {"code": 70, "message": "Directory not found."}

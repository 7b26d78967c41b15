"""ListenBrainz-style stats: GET /1/stats/user/<name>/{artists,releases,recordings}.

Bodies as api.listenbrainz.org gives them (see docs/protocols.md): ``?count=`` (default 25, at most 100),
``?offset=``, ``?range=`` (``all_time`` by default); 204 when the listener has no listens in the range,
400 for a bad range or number, 404 for an unknown user. Who may read them is decided as for the
listens (listening.listenbrainz.views: the listener, staff, or everyone when
STREAMAPP_LISTENBRAINZ_PUBLIC_READS). Figures come from analytics.listener_stats (rollups + live).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse

from analytics import listener_stats
from listening.listenbrainz import views as lb

DEFAULT_COUNT = 25
MAX_COUNT = 100
SINGULAR = {"artists": "artist", "releases": "release", "recordings": "recording"}


def _item(entity: str, line: listener_stats.Ranked) -> dict:
    artist_mbids = [line.artist_mbid] if line.artist_mbid else []
    item = {"artist_name": line.artist_name, "artist_mbids": artist_mbids, "listen_count": line.listens}
    if entity == "artists":
        item["artist_mbid"] = line.artist_mbid
    if entity in ("releases", "recordings"):
        item.update(release_name=line.release_name, release_mbid=line.release_mbid)
    if entity == "recordings":
        item.update(track_name=line.name, recording_mbid=line.mbid)
    return item


@lb.listenbrainz_api("GET", "HEAD")
def user_entity_stats(request: HttpRequest, user_name: str, entity: str) -> HttpResponse:
    """GET /1/stats/user/<name>/<entity>: the listener's top artists, releases or recordings."""
    user = lb._listener(request, user_name)
    range_name = request.GET.get("range") or "all_time"
    if range_name not in listener_stats.LB_RANGES:
        raise lb.ApiError(400, f"Invalid range: {range_name}")
    count = min(lb._non_negative(request, "count", DEFAULT_COUNT), MAX_COUNT)
    offset = lb._non_negative(request, "offset", 0)
    page = listener_stats.lb_entity_stats(
        user=user, entity=entity, range_name=range_name, count=count, offset=offset
    )
    if page.total == 0:
        return HttpResponse(status=204)
    items = [_item(entity, line) for line in page.items]
    return JsonResponse(
        {
            "payload": {
                "user_id": user.get_username(),
                entity: items,
                "count": len(items),
                f"total_{SINGULAR[entity]}_count": page.total,
                "offset": offset,
                "range": range_name,
                "from_ts": page.from_ts,
                "to_ts": page.to_ts,
                "last_updated": page.last_updated,
            }
        }
    )

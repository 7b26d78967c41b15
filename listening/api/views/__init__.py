"""The listening API views (package: the views are split by area as the API grows)."""
from .playlists import (  # noqa: F401
    LikeApi,
    PlayerContextApi,
    PlayerStateApi,
    PlaylistCollaboratorApi,
    PlaylistCollaboratorsApi,
    PlaylistDetailApi,
    PlaylistDuplicateApi,
    PlaylistItemApi,
    PlaylistListApi,
    PlaylistOrderApi,
    PlaylistTracksApi,
    PlayReportApi,
)

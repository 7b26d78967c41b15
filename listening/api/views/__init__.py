"""The listening API's views, by subdomain: the player, likes, playlists and the listening history."""

from .history import MyListensApi, NowPlayingApi, UserListensApi
from .likes import LikeApi, LikeListApi
from .player import PlayerContextApi, PlayerStateApi, PlayReportApi
from .playlists import (
    PlaylistCollaboratorApi,
    PlaylistCollaboratorsApi,
    PlaylistDetailApi,
    PlaylistDuplicateApi,
    PlaylistItemApi,
    PlaylistListApi,
    PlaylistOrderApi,
    PlaylistTracksApi,
)
from .streams import StreamInfoApi

__all__ = [
    "LikeApi",
    "LikeListApi",
    "MyListensApi",
    "NowPlayingApi",
    "PlayReportApi",
    "PlayerContextApi",
    "PlayerStateApi",
    "PlaylistCollaboratorApi",
    "PlaylistCollaboratorsApi",
    "PlaylistDetailApi",
    "PlaylistDuplicateApi",
    "PlaylistItemApi",
    "PlaylistListApi",
    "PlaylistOrderApi",
    "PlaylistTracksApi",
    "StreamInfoApi",
    "UserListensApi",
]

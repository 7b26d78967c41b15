"""Receivers of other apps' signals, connected in ListeningConfig.ready()."""

from . import services


def link_listens_after_library_change(sender, summary, **kwargs) -> str:
    """After a library import gained tracks, link the listens that matched nothing until now."""
    linked = services.listens_link_unmatched()
    if not linked:
        return ""
    return f"{linked:,} earlier listen{'s' if linked != 1 else ''} linked to the catalog"

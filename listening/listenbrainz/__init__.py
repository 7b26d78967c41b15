"""A ListenBrainz-compatible API at the host's root (/1/...), so scrobblers work with only the URL changed."""

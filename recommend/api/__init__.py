"""The recommend app's API: recommendations, generated playlists, radio, similar items, thumbs-down."""

"""The project's UI library: the markup every app's pages share, defined once.

Template tags and filters load as ``{% load ui %}`` (registered in TEMPLATES' OPTIONS["libraries"],
see streamapp/ui/tags.py); the partials they go with live in templates/ui/ (rows, cards, covers,
like buttons, form fields, section headers). Nothing here imports an app: the tags take any object
with the attributes they read, and link to pages by URL name.
"""

"""The demo: believable names, synthesised music and covers, all generated from a seed, and the rest
of a demo site (accounts, listeners with a history, their mixes, the analytics rollups).

It builds on every other app and none of them imports it. Pure modules (no ORM): ``names`` plans the
catalog from the vocabulary in ``words``; ``audio`` arranges and encodes each album's music from the
sounds of ``synth`` in the genre ``styles``; ``covers`` draws the album covers; ``library`` writes it
all as tagged files. ``seed`` imports them and builds the rest of the demo (the --scale copies, the
demo accounts), then runs the steps of the apps above catalog: ``listening`` (synthetic listeners),
``recommend`` (their mixes) and ``analytics`` (the rollups). ``manage.py seed_demo`` runs it.
"""

"""The demo library: believable names, synthesised music and covers, all generated from a seed.

Pure modules (no ORM): ``names`` plans the catalog from the vocabulary in ``words``; ``audio``
arranges and encodes each album's music from the sounds of ``synth`` in the genre ``styles``;
``covers`` draws the album covers; ``library`` writes it all as tagged files. ``seed`` imports them
and builds the rest of the demo (the --scale copies, the demo accounts).
"""

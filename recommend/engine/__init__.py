"""The recommender engine: pure pandas / scipy / scikit-learn code, no ORM.

DataFrames and arrays go in, arrays come out. The modules:

- ``data``: ``Interactions`` (a sparse user x item confidence matrix with its id maps) built from
  listening events, likes and dislikes, weighted by completion and recency;
- ``features``: ``ItemFeatures`` (TF-IDF item vectors over genres, artists, tags...);
- ``models``: Popularity, ItemKNN, EASE, ALS, Content and Hybrid behind one interface
  (``fit``, ``score``, ``recommend``, ``similar_items``), scoring users in bounded batches;
- ``evaluation``: time and random splits, ranking metrics, coverage, diversity, weight tuning;
- ``benchmark``: the evaluation protocols (streamapp data and Last.fm HetRec) and presets;
- ``datasets``: the Last.fm HetRec 2011 loader.
"""

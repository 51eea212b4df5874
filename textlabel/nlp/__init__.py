"""spaCy side of textlabel: pipeline loading, Doc <-> record conversion, coreference.

Submodules are imported where used; importing this package loads nothing heavy.
"""

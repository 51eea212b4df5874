"""textlabel's deterministic coreference component (``textlabel_coref``), a multi-pass sieve.

Importing this package loads spaCy but neither Flask nor the database: spaCy imports
``component`` through the ``spacy_factories`` entry point whenever a pipeline is built.
"""

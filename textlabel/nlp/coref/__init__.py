"""textlabel's deterministic coreference component (``textlabel_coref``), a multi-pass sieve
after Lee et al. (2013) on spaCy's parse, tags and entities.

Use it through spaCy: ``nlp.add_pipe("textlabel_coref")`` after ``ner``; clusters land in
``doc.spans["coref_clusters_1"]``, ``["coref_clusters_2"]``, ... Without spaCy's pipeline
machinery, ``textlabel.nlp.coref.resolver.resolve(doc)`` returns the entities as lists of
``Mention`` (token offsets, head, attributes).

Importing this package loads spaCy but neither Flask nor the database: spaCy imports
``component`` through the ``spacy_factories`` entry point whenever a pipeline is built.
"""

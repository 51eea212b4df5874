"""Inter-annotator agreement: pure metric functions and the project report builder.

Nothing here imports Flask or the database; ``service.py`` (the lead's) loads submitted
annotations, caches ``document_stats`` per annotation version and calls ``combine``.
"""

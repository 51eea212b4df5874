"""Comments and flags on documents and spans: threads (``service``) and who sees which
(``reading``: a document's threads, the project inbox). No Flask here."""

"""Training the project's NER on gold (the ``train`` job).

Pure parts (no database): ``labels`` (project <-> model label spaces), ``finetune`` (records
in, a trained pipeline out), ``scoring`` (precision / recall / F1 per label). ``service`` is
the job: export code for the data, fine-tuning, the registry in ``nlp.versions``. What
pre-annotation needs from the loop (the active version, uncertainty, routing, the gold phrase
ruler) lives in ``nlp`` (``versions``, ``uncertainty``, ``loop``), which imports nothing
from here.
"""

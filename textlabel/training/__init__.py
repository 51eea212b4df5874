"""The model in the loop: fine-tune the project's NER on gold, version the models, score
what the model does not know.

Pure parts (no database): ``labels`` (project <-> model label spaces), ``finetune`` (records
in, a trained pipeline and its scores out), ``scoring`` (precision / recall / F1 per label),
``uncertainty`` (beam entity probabilities). Database parts: ``versions`` (the registry of
trained models in the instance folder, activation, rollback) and ``service`` (the ``train``
job that ties export, fine-tuning and the registry together).
"""

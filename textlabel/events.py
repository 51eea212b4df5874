"""Domain events between packages, as blinker signals (the pattern of flask's ``signals.py``).

A package that needs to react to another's work connects a receiver in its own
``connect_events()``, called once by the app factory (and by anything else that runs domain
services without the app). No domain imports another's service only to notify it.

Receivers run synchronously in the sender's thread, after the sender committed, with the
sender's session.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

annotation_submitted = _signals.signal("annotation-submitted")
"""An annotation was submitted, or taken back from submitted (sender: the ``Annotation``;
keyword arguments: ``session``, ``document``)."""

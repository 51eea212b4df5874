"""Import spaCy without its command line until something asks for it (a server never does).

``import spacy`` runs ``from .cli.info import info``, and ``spacy/cli/__init__.py`` imports
every command with its dependencies (typer, weasel, requests, httpx, rich, pygments,
cProfile): about 360 modules and 12-17 MiB of every process that imports spaCy, for
``spacy.info``. ``defer`` puts a stand-in ``spacy.cli`` in ``sys.modules`` before spaCy is
imported: the real package is imported on the first attribute asked of it (``spacy.cli.train``,
``spacy.info()``); ``from spacy.cli.init_config import init_config`` imports that command's own
module (and what it needs) as before. spaCy's open pull request 13721 ("Lazily load cli with
module __getattr__") would do the same inside spaCy; once a release has it, this has nothing
to do (``defer`` sees a ``spacy`` without ``cli`` imported and leaves it alone).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

_NAMES = ("spacy.cli", "spacy.cli.info")


class _Deferred(types.ModuleType):
    """``spacy.cli`` (or ``spacy.cli.info``) until its first use."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's questions (``__path__``...)
            raise AttributeError(name)
        return getattr(_real(self.__name__), name)


def _real(name: str) -> types.ModuleType:
    """The real module ``name``, imported now in place of the stand-ins."""
    for stand_in in _NAMES:
        if isinstance(sys.modules.get(stand_in), _Deferred):
            del sys.modules[stand_in]
    cli = importlib.import_module("spacy.cli")
    setattr(sys.modules["spacy"], "cli", cli)  # noqa: B010  (the package's own name for it)
    return importlib.import_module(name)


def _info(*args: Any, **kwargs: Any) -> Any:
    """``spacy.info``: the real one, imported on its first call."""
    return _real("spacy.cli.info").info(*args, **kwargs)


def defer() -> bool:
    """Import spaCy with the stand-in ``spacy.cli``; whether it was put in (not when spaCy or
    its command line is already imported, or spaCy is not installed)."""
    if "spacy" in sys.modules or "spacy.cli" in sys.modules:
        return False
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return False
    cli = _Deferred("spacy.cli")
    cli.__path__ = [f"{spec.submodule_search_locations[0]}/cli"]  # its commands' modules
    info = _Deferred("spacy.cli.info")
    cli.info = info.info = _info  # type: ignore[attr-defined]
    sys.modules.update({"spacy.cli": cli, "spacy.cli.info": info})
    try:
        package = importlib.import_module("spacy")
    except BaseException:
        for name in _NAMES:
            sys.modules.pop(name, None)
        raise
    # found in sys.modules, so the import system never bound it to its package
    setattr(package, "cli", cli)  # noqa: B010
    return True

"""A zip of files: brat ``.txt`` + ``.ann`` pairs, or documents in any readable format.

Members are read in name order. A ``.ann`` is paired with the ``.txt`` of the same stem
(brat standoff); a ``.txt`` with an ``.ann`` beside it is not read again as plain text. A
``dataset_info.json`` (Hugging Face) gives the tag names of integer-coded token columns to
the other members. Every other member is read by the reader its name and content call for;
hidden files, folders and brat's ``.conf`` files are skipped.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from textlabel.errors import BadFormat
from textlabel.ingest import brat
from textlabel.ingest.base import Item, ReadOptions

MAX_MEMBER_BYTES = 512 * 1024 * 1024
_SKIPPED = (".conf", ".md", ".gitkeep")


def read(stream: BinaryIO, filename: str, options: ReadOptions) -> Iterator[Item]:
    """Yield the records of every member (see the module docstring)."""
    from textlabel.ingest.registry import read_file  # the registry lists this reader

    try:
        archive = zipfile.ZipFile(_seekable(stream))
    except zipfile.BadZipFile as e:
        raise BadFormat(f"{filename} is not a valid zip file: {e}") from e
    with archive:
        members = sorted(
            info.filename
            for info in archive.infolist()
            if not info.is_dir() and not _hidden(info.filename)
        )
        features = _features(archive, members)
        if features:
            options = replace(options, features={**features, **(options.features or {})})
        stems = {
            str(PurePosixPath(name).with_suffix("")) for name in members if name.endswith(".ann")
        }
        found = False
        for name in members:
            path = PurePosixPath(name)
            stem = str(path.with_suffix(""))
            if path.suffix == ".ann":
                found = True
                if f"{stem}.txt" not in members:
                    raise BadFormat(f"{filename}: {name} has no {stem}.txt beside it")
                yield brat.read_pair(
                    _bytes(archive, f"{stem}.txt", filename),
                    _bytes(archive, name, filename),
                    f"{PurePosixPath(filename).name}/{stem}",
                    encoding=options.encoding,
                )
                continue
            if (path.suffix == ".txt" and stem in stems) or path.name == "dataset_info.json":
                continue
            if path.suffix in _SKIPPED or path.name.startswith("dataset_dict"):
                continue
            found = True
            member = io.BytesIO(_bytes(archive, name, filename))
            yield from read_file(member, f"{PurePosixPath(filename).name}/{name}", options=options)
        if not found:
            raise BadFormat(f"{filename} holds no file to import")


def features_from_info(info: Any) -> dict[str, list[str]]:
    """Tag names per column from a Hugging Face ``dataset_info.json`` (any version's shape):
    the ``names`` of each ClassLabel, directly or inside a Sequence / List feature."""
    out: dict[str, list[str]] = {}
    features = info.get("features") if isinstance(info, dict) else None
    if not isinstance(features, dict):
        return out
    for column, feature in features.items():
        while isinstance(feature, dict) and "names" not in feature and "feature" in feature:
            feature = feature["feature"]
        if isinstance(feature, dict) and isinstance(feature.get("names"), list):
            out[column] = [str(name) for name in feature["names"]]
    return out


def _features(archive: zipfile.ZipFile, members: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in members:
        if PurePosixPath(name).name == "dataset_info.json":
            try:
                out |= features_from_info(json.loads(archive.read(name)))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise BadFormat(f"{name} is not valid JSON: {e}") from e
    return out


def _bytes(archive: zipfile.ZipFile, name: str, filename: str) -> bytes:
    if archive.getinfo(name).file_size > MAX_MEMBER_BYTES:
        raise BadFormat(f"{filename}: {name} is larger than {MAX_MEMBER_BYTES // 2**20} MB")
    return archive.read(name)


def _hidden(name: str) -> bool:
    return any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(name).parts)


def _seekable(stream: BinaryIO) -> BinaryIO:
    if stream.seekable():
        return stream
    return io.BytesIO(stream.read())

"""The data package of a published version: one zip with every form of the report and a
Frictionless ``datapackage.json`` (Data Package v1) describing each file: its path, media type,
encoding, size, SHA-256 and, for the CSV files, their dialect and a table schema whose field
types are read from the file (integer, number, else string).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PROFILE = "data-package"


@dataclass(frozen=True)
class PackageFile:
    """One file of the package: its ``path`` inside the zip, media type, content and what it
    is."""

    path: str
    media_type: str
    content: bytes
    description: str
    delimiter: str = ","


def _type(values: Sequence[str]) -> str:
    filled = [v for v in values if v != ""]
    if not filled:
        return "string"
    for kind, parse in (("integer", int), ("number", float)):
        try:
            for value in filled:
                parse(value)
        except ValueError:
            continue
        return kind
    return "string"


def _table_schema(content: bytes, delimiter: str) -> dict[str, Any]:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8")), delimiter=delimiter))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    return {
        "fields": [
            {"name": name, "type": _type([row[i] for row in body if i < len(row)])}
            for i, name in enumerate(header)
        ]
    }


def _name(path: str) -> str:
    """A Frictionless resource name: lower case, digits, ``-``, ``_`` and ``.``."""
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in path.lower())


def descriptor(document: Mapping[str, Any], files: Sequence[PackageFile]) -> dict[str, Any]:
    """The ``datapackage.json`` of ``files``, named after the version's ``document``."""
    resources = []
    for item in files:
        resource: dict[str, Any] = {
            "name": _name(item.path),
            "path": item.path,
            "mediatype": item.media_type,
            "encoding": "utf-8",
            "bytes": len(item.content),
            "hash": f"sha256:{hashlib.sha256(item.content).hexdigest()}",
            "description": item.description,
        }
        if item.media_type == "text/csv":
            resource |= {
                "profile": "tabular-data-resource",
                "format": "csv",
                "dialect": {"delimiter": item.delimiter, "lineTerminator": "\r\n"},
                "schema": _table_schema(item.content, item.delimiter),
            }
        resources.append(resource)
    round_ = document["round"]
    return {
        "profile": PROFILE,
        "name": _name(f"{round_['id'].removeprefix('rnd:')}-v{document['package_id']}"),
        "id": str(document["package_id"]),
        "title": round_["title"]["value"],
        "version": document["schema_version"],
        "created": document["generated_at"],
        "homepage": round_["url"],
        "licenses": [
            {
                "name": document["license"],
                "path": f"https://spdx.org/licenses/{document['license']}.html",
            }
        ],
        "keywords": list(round_["topics"]),
        "resources": resources,
    }


def data_package(document: Mapping[str, Any], files: Sequence[PackageFile]) -> bytes:
    """The zip of ``files`` with their ``datapackage.json``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            archive.writestr(item.path, item.content)
        archive.writestr(
            "datapackage.json",
            json.dumps(descriptor(document, files), ensure_ascii=False, indent=2),
        )
    return buffer.getvalue()

"""Write a file, or a folder of files, never half-written: into a temporary one, then renamed into place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.course-partial")


def write_atomically(path: Path, data: str | bytes, encoding: str = "utf-8") -> None:
    """Write ``data`` (text or bytes) to ``path``, making its folder if needed; line endings are kept as given."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(path)
    if isinstance(data, bytes):
        partial.write_bytes(data)
    else:
        partial.write_text(data, encoding=encoding, newline="")  # written as given, on every platform
    os.replace(partial, path)


def copy_atomically(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (with its metadata) so that ``target`` is never half-written."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(target)
    shutil.copy2(source, partial)
    os.replace(partial, target)


def write_folder_atomically(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> None:
    """Replace ``folder`` as a whole with one holding ``files`` (name -> text): never half old, half new."""
    folder = Path(folder)
    incoming = folder.with_name(folder.name + ".incoming")
    outgoing = folder.with_name(folder.name + ".outgoing")
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    for name, text in files.items():
        (incoming / name).write_text(text, encoding=encoding)
    shutil.rmtree(outgoing, ignore_errors=True)
    if folder.exists():
        os.replace(folder, outgoing)
    os.replace(incoming, folder)
    shutil.rmtree(outgoing, ignore_errors=True)

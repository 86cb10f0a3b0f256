"""Learner files are data: read a submission into a folder the grader owns, never following a link.

The grader often runs as root over folders that learners wrote. Nothing in
``SUBMITTED`` is therefore trusted: not its names, not its file types, not its sizes.

* ``copy_submission`` copies one ``<learner>/<step>`` folder into a folder of the
  grader's: only real folders and regular files, each opened without following a
  link (``O_NOFOLLOW``) or blocking (``O_NONBLOCK``: a FIFO cannot hang the run) and
  checked to be a regular file on the open descriptor, so a swap between the check
  and the open is caught; sizes are capped per file and in all. Everything else
  (links, FIFOs, sockets, devices, files too big) is refused with a status that names
  it. Everything after (intake, nbgrader) reads only the copy. Nothing in the
  learner's folder is written to or changed.
* ``list_folder`` lists a folder the same way, for ``course grade`` to find the
  submissions; ``shown`` makes a learner-supplied name fit for a status or a CSV cell.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 20 * 2**20  # a notebook with its outputs cleared is far smaller
MAX_TOTAL_BYTES = 100 * 2**20  # every file of one submission together
MAX_ENTRIES = 2000  # files and folders in one submission
MAX_DEPTH = 16  # folders inside folders
MAX_SHOWN = 60  # characters of a learner-supplied name in a status
MAX_REFUSALS = 4  # refused paths named in a status, then how many more

REFUSED = "refused-input"
NOFOLLOW_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
NOFOLLOW_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)


class Refused(Exception):
    """A learner path that is not read; ``str()`` is its status."""


def shown(name: str, limit: int = MAX_SHOWN) -> str:
    """``name`` as a status or CSV cell shows it: as is when plain, else escaped like ``repr()``; truncated.

    Plain: printable (no newline, tab, control or bidi character, no undecodable byte),
    no ``;`` (it separates statuses), no space at either end.
    """
    plain = bool(name) and name.isprintable() and ";" not in name and name == name.strip()
    text = name if plain else repr(name)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plain(text: str, limit: int = 200) -> str:
    """Text (learner code can shape it) for a status: non-printable characters escaped, truncated."""
    text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in str(text))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind(mode: int) -> str:
    """What a file of this mode is, in words."""
    kinds = (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISREG, "a file"),
    )
    return next((words for test, words in kinds if test(mode)), "a special file")


def refusal(path: str, mode: int, wanted: str = "file") -> str:
    """The status for a learner path of ``mode`` where a regular ``wanted`` (file or folder) should be."""
    if stat.S_ISLNK(mode):
        return f"{REFUSED}: {path} is a symbolic link; submit the {wanted} itself"
    return f"{REFUSED}: {path} is {kind(mode)}, not a {wanted}; submit a plain {wanted}"


def unopened(label: str, name: str, dir_fd: int | None, error: OSError, wanted: str = "file") -> str:
    """The status for ``name`` (in ``dir_fd``) that could not be opened as a ``wanted``."""
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        mode = 0
    wrong = stat.S_ISDIR(mode) if wanted == "file" else not stat.S_ISDIR(mode)
    if mode and wrong:
        return refusal(label, mode, wanted)
    return f"{REFUSED}: {label} could not be read ({error.strerror})"


def too_big(path: str) -> str:
    return f"{REFUSED}: {path} is over {MAX_FILE_BYTES // 2**20} MB; clear the notebook's outputs and submit again"


def open_folder(path: Path, untrusted: int = 2) -> int:
    """A descriptor of the folder ``path``, its last ``untrusted`` parts opened without following a link."""
    path = Path(os.path.abspath(path))
    names = path.parts[len(path.parts) - untrusted :]
    base = Path(*path.parts[: len(path.parts) - untrusted])
    fd = os.open(base, NOFOLLOW_DIR & ~os.O_NOFOLLOW)
    try:
        for depth, name in enumerate(names):
            try:
                inner = os.open(name, NOFOLLOW_DIR, dir_fd=fd)
            except OSError as error:
                label = "/".join(shown(n) for n in names[: depth + 1])
                raise Refused(unopened(label, name, fd, error, "folder")) from None
            os.close(fd)
            fd = inner
        return fd
    except BaseException:
        os.close(fd)
        raise


def list_folder(path: Path, untrusted: int = 1) -> list[tuple[str, int]]:
    """(name, mode) of every entry of the folder ``path``, sorted by name, no link followed.

    Raises ``Refused`` when one of the last ``untrusted`` parts of ``path`` is not a real folder.
    """
    fd = open_folder(path, untrusted)
    try:
        with os.scandir(fd) as entries:
            return sorted((entry.name, entry.stat(follow_symlinks=False).st_mode) for entry in entries)
    except OSError as error:
        raise Refused(f"{REFUSED}: {shown(path.name)} could not be read ({error.strerror})") from None
    finally:
        os.close(fd)


def read_regular(
    name: str, dir_fd: int | None, label: str, limit: int = MAX_FILE_BYTES, over: str | None = None
) -> bytes:
    """The bytes of the regular file ``name`` (no link followed, at most ``limit``); ``Refused`` otherwise.

    ``over``: the status when the file is over ``limit`` (default: it is too big).
    """
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):  # never opened: opening a FIFO or a device can block or act
            raise Refused(refusal(label, mode))
        fd = os.open(name, NOFOLLOW_FILE, dir_fd=dir_fd)
    except OSError as error:
        raise Refused(f"{REFUSED}: {label} could not be read ({error.strerror})") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):  # swapped for something else after the check
            raise Refused(refusal(label, status.st_mode))
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if status.st_size > limit or size > limit:  # it may have grown while being read
            raise Refused(over or too_big(label))
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_file(path: Path, label: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """``read_regular`` for a path: the file itself must not be a link (its folders are trusted)."""
    return read_regular(str(path), None, label, limit)


@dataclass
class Copied:
    """What ``copy_submission`` took: the files copied (relative paths), and one status per path refused."""

    files: list[PurePosixPath] = field(default_factory=list)
    refused: dict[PurePosixPath, str] = field(default_factory=dict)
    total: int = 0
    entries: int = 0

    def problems(self) -> list[str]:
        """One status per path refused, the first ``MAX_REFUSALS``, then how many more."""
        found = list(self.refused.values())
        if len(found) <= MAX_REFUSALS:
            return found
        return [*found[:MAX_REFUSALS], f"{REFUSED}: {len(found) - MAX_REFUSALS} more files refused"]


def copy_submission(folder: Path, target: Path, skip: Callable[[PurePosixPath], bool]) -> Copied:
    """Copy the learner folder ``folder`` (``<learner>/<step>``, neither a link) into ``target``, a new folder.

    ``skip``: relative paths never looked at (hidden files, caches...). Raises
    ``Refused`` when the learner or step folder itself is not a real folder.
    """
    copied = Copied()
    fd = open_folder(folder)
    try:
        target.mkdir(mode=0o700)
        _copy_into(fd, target, PurePosixPath(), copied, skip)
    finally:
        os.close(fd)
    return copied


def _copy_into(dir_fd: int, target: Path, here: PurePosixPath, copied: Copied, skip) -> None:
    with os.scandir(dir_fd) as scan:
        entries = sorted((entry.name, entry.stat(follow_symlinks=False).st_mode) for entry in scan)
    for name, mode in entries:
        relative = here / name
        label = shown(relative.as_posix())
        if skip(relative):
            continue
        copied.entries += 1
        if copied.entries > MAX_ENTRIES:
            if copied.entries == MAX_ENTRIES + 1:
                copied.refused[relative] = f"{REFUSED}: more than {MAX_ENTRIES} files; {label} and later ones not read"
            return
        if stat.S_ISDIR(mode):
            if len(relative.parts) > MAX_DEPTH:
                copied.refused[relative] = f"{REFUSED}: {label} is more than {MAX_DEPTH} folders deep"
                continue
            try:
                inner = os.open(name, NOFOLLOW_DIR, dir_fd=dir_fd)
            except OSError as error:  # swapped for a link after it was listed, or unreadable
                copied.refused[relative] = unopened(label, name, dir_fd, error, "folder")
                continue
            try:
                (target / name).mkdir(mode=0o700)
                _copy_into(inner, target / name, relative, copied, skip)
            finally:
                os.close(inner)
        elif stat.S_ISREG(mode):
            left = MAX_TOTAL_BYTES - copied.total
            in_all = f"{REFUSED}: {label} was not read: the folder holds over {MAX_TOTAL_BYTES // 2**20} MB in all"
            limit, over = (MAX_FILE_BYTES, None) if left >= MAX_FILE_BYTES else (left, in_all)
            try:
                data = read_regular(name, dir_fd, label, limit, over)
            except Refused as refused:
                copied.refused[relative] = str(refused)
                continue
            copied.total += len(data)
            out = os.open(target / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with open(out, "wb") as handle:
                handle.write(data)
            copied.files.append(relative)
        else:
            copied.refused[relative] = refusal(label, mode)


class FolderTooLarge(Exception):
    """A folder holds more bytes than a copy may take."""


def copy_plain_files(source: Path, target: Path, *, notebooks: bool = False, limit: int | None = None) -> int:
    """Copy the folders and regular files under ``source`` (never links, FIFOs or devices) into ``target``.

    Notebooks are left out unless ``notebooks``; past ``limit`` bytes in all, ``FolderTooLarge``.
    Returns the bytes copied.
    """
    copied = 0
    for entry in os.scandir(source):
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISDIR(mode):
            (target / entry.name).mkdir()
            left = None if limit is None else limit - copied
            copied += copy_plain_files(Path(entry.path), target / entry.name, notebooks=notebooks, limit=left)
        elif stat.S_ISREG(mode) and (notebooks or not entry.name.endswith(".ipynb")):
            copied += entry.stat(follow_symlinks=False).st_size
            if limit is not None and copied > limit:
                raise FolderTooLarge(f"the step's folder holds more than {limit >> 20} MB")
            shutil.copyfile(entry.path, target / entry.name, follow_symlinks=False)
    return copied

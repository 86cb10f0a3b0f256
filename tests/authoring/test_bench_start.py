"""The first-start benchmark's own parts: what it copies as a fresh clone, and how it sizes an environment."""

from __future__ import annotations

import os
import subprocess

from course.authoring.bench_start import folder_megabytes, fresh_clone


def test_the_size_counts_a_hard_linked_file_once_and_bytecode_only_when_asked(tmp_path):
    env = tmp_path / "env"
    (env / "pkg" / "__pycache__").mkdir(parents=True)
    (env / "pkg" / "module.py").write_bytes(b"x" * 1_000_000)
    os.link(env / "pkg" / "module.py", env / "pkg" / "same-file.py")  # uv links files from its cache like this
    (env / "pkg" / "__pycache__" / "module.pyc").write_bytes(b"x" * 500_000)
    assert folder_megabytes(env, with_bytecode=False) == 1.0
    assert folder_megabytes(env, with_bytecode=True) == 1.5


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_the_clone_holds_the_working_tree_changes_but_not_ignored_files(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    _git(source, "init", "-q")
    (source / ".gitignore").write_text(".venv/\n")
    (source / "committed.py").write_text("old\n")
    _git(source, "add", ".")
    _git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    (source / "committed.py").write_text("changed, not committed\n")
    (source / "new.py").write_text("not yet added\n")
    (source / ".venv").mkdir()
    (source / ".venv" / "python").write_text("an environment is never copied\n")

    copied = fresh_clone(source, tmp_path / "clone")

    assert copied == 2
    assert (tmp_path / "clone" / "committed.py").read_text() == "changed, not committed\n"
    assert (tmp_path / "clone" / "new.py").read_text() == "not yet added\n"
    assert not (tmp_path / "clone" / ".venv").exists()

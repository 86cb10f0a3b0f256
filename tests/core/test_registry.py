"""The registry agrees with solutions/, exercises/, the site pages and the nav, both ways."""

from __future__ import annotations

import hashlib

import nbformat
import pytest

from course import PACKAGE_DIR
from course.authoring.lock import LOCK_NAME
from course.core.catalog import CATALOG_PATH, EXERCISES_DIR, SITE_DIR, SOLUTIONS_DIR, CatalogError, load_steps
from course.core.cells import nbgrader_meta
from site_helpers import load_mkdocs_config

STEPS = load_steps()
SLUGS = [step.slug for step in STEPS]
MASTER_DATA = PACKAGE_DIR / "data" / "penguins-raw.csv"


def _folders(root):
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def test_solution_and_exercise_folders_match_the_registry():
    assert _folders(SOLUTIONS_DIR) == SLUGS
    assert _folders(EXERCISES_DIR) == SLUGS


def test_step_pages_match_the_registry():
    pages = sorted(str(p.relative_to(SITE_DIR)) for p in (SITE_DIR / "steps").glob("[0-9][0-9]-*.md"))
    assert pages == sorted(step.page for step in STEPS)


def _nav_pages(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_pages(value)


def test_nav_lists_every_step_page_in_order_and_no_other():
    config = load_mkdocs_config()
    nav_steps = [page for page in _nav_pages(config["nav"]) if page.startswith("steps/") and page != "steps/index.md"]
    assert nav_steps == [step.page for step in STEPS]


def _graded_cells(step):
    cells = {}
    for name in step.notebooks:
        notebook = nbformat.read(str(step.solution_dir / name), as_version=4)
        for cell in notebook.cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade"):
                cells[meta["grade_id"]] = meta.get("points")
    return cells


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_graded_cells_match_the_registry_checks(step):
    assert _graded_cells(step) == {check.id: check.points for check in step.checks}


def _manual_cells(step):
    """grade ids of the answers a person scores: nbgrader graded solution cells."""
    ids = set()
    for name in step.notebooks:
        for cell in nbformat.read(str(step.solution_dir / name), as_version=4).cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade") and meta.get("solution"):
                ids.add(meta["grade_id"])
    return ids


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_manual_checks_are_the_manually_graded_cells(step):
    assert _manual_cells(step) == {check.id for check in step.checks if check.manual}
    assert set(step.public_checks) == {check for check in step.checks if not check.manual}


def test_a_manual_flag_that_is_not_a_boolean_is_refused(tmp_path):
    text = CATALOG_PATH.read_text().replace("manual = true", 'manual = "yes"', 1)
    (tmp_path / "catalog.toml").write_text(text)
    with pytest.raises(CatalogError, match="manual"):
        load_steps(tmp_path / "catalog.toml")


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_registered_notebooks_exist_and_nothing_else_is_in_the_source(step):
    files = {str(p.relative_to(step.solution_dir)) for p in step.solution_dir.rglob("*") if p.is_file()}
    notebooks = {name for name in files if name.endswith(".ipynb")}
    assert notebooks == set(step.notebooks)
    others = files - notebooks
    # The last step's lock file is course material beside the pyproject.toml its cells write (course lock).
    strays = [name for name in others if not name.startswith("data/") and name != LOCK_NAME]
    assert not strays, f"solutions/{step.slug} may hold only its notebooks, data/ and {LOCK_NAME}: {strays}"
    assert not [name for name in files if name.endswith(".py")], "a .py file in solutions/ would be released as is"


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_step_data_is_the_course_data(step):
    master = hashlib.sha256(MASTER_DATA.read_bytes()).hexdigest()
    for folder in (step.solution_dir, step.exercise_dir):
        copy = folder / "data" / MASTER_DATA.name
        assert copy.is_file(), f"{copy} is missing: every step folder carries the course data"
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == master


@pytest.mark.parametrize("step", STEPS, ids=SLUGS)
def test_every_check_has_hints_and_a_check_that_docstring(step):
    for check in step.checks:
        assert check.hints, f"{check.id} has no hints"
    for name in step.notebooks:
        notebook = nbformat.read(str(step.solution_dir / name), as_version=4)
        for cell in notebook.cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade") and not meta.get("solution"):
                assert cell.source.startswith('"""Check that'), (
                    f"{meta['grade_id']} must open with a 'Check that' docstring"
                )
                assert f'Check("{meta["grade_id"]}"' in cell.source, f"{meta['grade_id']} must report under its own id"


def test_grade_ids_are_unique_across_the_course():
    ids = [check.id for step in STEPS for check in step.checks]
    assert len(ids) == len(set(ids))


def test_season_files_are_the_raw_data_split_by_season():
    import pandas as pd

    raw = pd.read_csv(MASTER_DATA)
    for step in STEPS:
        sources = [(step.solution_dir / name).read_text() for name in step.notebooks]
        reads_seasons = any("data/seasons" in text or "unsexed.csv" in text for text in sources)
        for folder in (step.solution_dir, step.exercise_dir):
            seasons = folder / "data" / "seasons"
            if not reads_seasons and not seasons.exists():
                continue
            assert seasons.is_dir(), f"{folder.name} reads data/seasons/ but has no copy of it"
            files = sorted(seasons.glob("*.csv"))
            assert [f.stem for f in files] == sorted(raw["studyName"].unique())
            for path in files:
                expected = raw[raw["studyName"] == path.stem].reset_index(drop=True)
                pd.testing.assert_frame_equal(pd.read_csv(path), expected)
            unsexed = pd.read_csv(folder / "data" / "unsexed.csv")
            assert len(unsexed) == raw["Sex"].isna().sum() and "Sex" not in unsexed.columns


def test_step3_first_hint_for_the_row_count_is_about_the_limit():
    """step03_clean_rows fails on len(clean(raw, 5.0)) when clean ignores its limit: hint 1 must say so."""
    hints = next(c.hints for s in STEPS for c in s.checks if c.id == "step03_clean_rows")
    assert "max_body_mass_kg" in hints[0] and "<" in hints[0]

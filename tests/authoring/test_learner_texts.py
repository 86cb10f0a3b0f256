"""What the released notebooks tell a learner: honest task texts, public checks that catch the
common wrong answers, and stubs that fit the file an answer cell writes."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from course.authoring.release import FILE_STUBS, file_stub, normalise_notebook
from course.checks import Check
from course.core.catalog import find_step, load_steps
from course.core.cells import CODE_STUB, grade_id_of, is_solution, without_solution_markers
from driving import engineer_drives

STEPS = load_steps()


def released(step_name: str):
    step = find_step(step_name, STEPS)
    return nbformat.read(str(step.exercise_dir / step.notebooks[0]), as_version=4)


def cell_source(notebook, grade_id: str) -> str:
    return next(cell.source for cell in notebook.cells if grade_id_of(cell) == grade_id)


def public_check(notebook, grade_id: str, namespace: dict, monkeypatch) -> Check:
    """Run the released (public) check cell ``grade_id`` against ``namespace``; return its Check."""
    reported: list[Check] = []
    monkeypatch.setattr(Check, "report", lambda self: reported.append(self))
    exec(cell_source(notebook, grade_id), dict(namespace))
    return reported[0]


# -- step 0: the public checks catch the common wrong answers -----------------------------------


@pytest.mark.parametrize(
    "answer, passes",
    [(4, True), (0, False), (15, False), (344, False)],  # 0: counted on the filtered df; 15: 344 - rows_used
)
def test_step0_rows_removed_public_check_catches_the_trap_answers(monkeypatch, answer, passes):
    X = pd.DataFrame({"a": range(329)})  # the prototype's X: 329 rows
    check = public_check(
        released("0"),
        "step00_rows_removed_by_mass_filter",
        {"rows_removed_by_mass_filter": answer, "X": X},
        monkeypatch,
    )
    assert check.passed is passes


SOLVED_SMELLS = {
    "hidden state": ["P4"],
    "hard-coded paths": ["P2", "P11"],
    "copy-paste": ["P6", "P10"],
    "print debugging": ["P9", "P10"],
    "magic numbers": ["P5", "P8", "P9"],
    "no seed": ["P8", "P9"],
}
EVERY_CELL = [f"P{n}" for n in range(1, 12)]


@pytest.mark.parametrize("smell", sorted(SOLVED_SMELLS))
def test_step0_a_smell_list_of_every_cell_fails_its_public_check(monkeypatch, smell):
    notebook = released("0")
    grade_id = "step00_smell_" + smell.replace(" ", "_").replace("-", "_")
    assert public_check(notebook, grade_id, {"smells": SOLVED_SMELLS}, monkeypatch).passed
    greedy = {**SOLVED_SMELLS, smell: EVERY_CELL}
    assert not public_check(notebook, grade_id, {"smells": greedy}, monkeypatch).passed


# -- steps 1 and 5: the task texts say what the solution does -----------------------------------


def test_step1_task_does_not_ask_for_a_seed_value_the_prototype_never_had():
    text = cell_source(released("1"), "step01_task1")
    assert "`SEED`, with the values the prototype used" not in text
    assert "`SEED`, a setting the\nprototype did not have" in text


def test_step5_task_says_a_dot_in_a_number_column_is_bad_and_the_reference_agrees():
    notebook = released("5")
    text = " ".join(next(c.source for c in notebook.cells if "3. `row_problems(frame)`" in c.source).split())
    assert '`"."` in a number column is **bad** (not a number) and the row is quarantined' in text

    step = find_step("5", STEPS)
    solution = nbformat.read(str(step.solution_dir / step.notebooks[0]), as_version=4)
    module = cell_source(solution, "step05_validation_module")
    namespace: dict = {"__name__": "validation"}
    exec(
        "\n".join(line for line in without_solution_markers(module).splitlines() if not line.startswith("%%")),
        namespace,
    )
    frame = pd.read_csv(step.solution_dir / "data" / "penguins-raw.csv").head(3)
    frame["Body Mass (g)"] = frame["Body Mass (g)"].astype(object)
    frame.loc[0, "Body Mass (g)"] = "."
    result = namespace["validate"](frame)
    assert list(result.quarantine.index) == [0] and "not a number" in result.quarantine.loc[0, "reason"]


# -- steps 7, 8, 10, 11 and 12: an HTML, Markdown, TOML or YAML answer gets a stub of its own kind ----------


@pytest.mark.parametrize(
    "first_line, stub",
    [
        ("%%writefile penguins/static/index.html", FILE_STUBS[".html"]),
        ("%%writefile WAYS-OF-WORKING.md", FILE_STUBS[".md"]),
        ("%%writefile pyproject.toml", FILE_STUBS[".toml"]),
        ("%%writefile .pre-commit-config.yaml", FILE_STUBS[".yaml"]),
        ("%%writefile .github/workflows/ci.yml", FILE_STUBS[".yml"]),
        ("%%writefile penguins/service.py", None),
        ("import pandas as pd", None),
    ],
)
def test_file_stub_follows_the_written_files_type(first_line, stub):
    assert file_stub(first_line + "\nbody") == stub


def test_release_gives_a_writefile_answer_its_files_stub_and_leaves_python_alone(tmp_path):
    from course.authoring import notebooks as nb

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nb.solution(f"%%writefile page.html\n<body>\n{CODE_STUB}\n</body>", "page"),
        nb.solution(f"%%writefile module.py\n{CODE_STUB}", "module"),
    ]
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, str(path))
    normalise_notebook(path)
    page, module = nbformat.read(str(path), as_version=4).cells
    assert page.source == f"%%writefile page.html\n<body>\n{FILE_STUBS['.html']}\n</body>"
    assert module.source == f"%%writefile module.py\n{CODE_STUB}"


FILE_ANSWERS = [
    ("00", {".md"}),  # every step writes its part of WAYS-OF-WORKING.md (course/core/ways_of_working.py)
    ("01", {".md"}),
    ("02", {".md"}),
    ("03", {".md"}),
    ("04", {".md"}),
    ("05", {".md"}),
    ("06", {".md"}),
    ("07", {".toml", ".md"}),
    ("08", {".toml", ".md"}),
    ("09", {".md"}),
    ("10", {".html", ".md"}),
    ("11", {".md", ".toml", ".yaml", ".yml"}),
    ("12", {".md"}),
]


def written_file(cell) -> tuple[str, str]:
    """(suffix, text) of the file a ``%%writefile`` cell writes."""
    first, _, body = cell.source.partition("\n")
    return Path(first.split()[-1]).suffix.lower(), body


@pytest.mark.parametrize("step_name, suffixes", FILE_ANSWERS)
def test_released_file_answers_carry_no_python_stub(step_name, suffixes):
    notebook = released(step_name)
    answers = [c for c in notebook.cells if is_solution(c) and file_stub(c.source)]
    assert {written_file(cell)[0] for cell in answers} == suffixes
    for cell in answers:
        assert "YOUR CODE HERE" not in cell.source and "NotImplementedError" not in cell.source
        assert FILE_STUBS[written_file(cell)[0]] in cell.source


@pytest.mark.parametrize("step_name", ["07", "08", "11"])
def test_an_untouched_toml_or_yaml_answer_is_a_valid_file_of_its_kind(step_name):
    import tomllib

    import yaml

    for cell in released(step_name).cells:
        suffix, text = written_file(cell) if is_solution(cell) and file_stub(cell.source) else ("", "")
        if suffix == ".toml":
            tomllib.loads(text)
        elif suffix in {".yaml", ".yml"}:
            assert yaml.safe_load(text) is None  # only the stub's comment: an empty document


def test_step12_task_names_the_stub_the_learner_sees_and_the_checks_count_it():
    from course.checks.agreement import PLACEHOLDERS

    text = cell_source(released("12"), "step12_task1")
    assert "YOUR CODE HERE" not in text and "<!-- YOUR TEXT HERE" in text
    assert any(mark in FILE_STUBS[".md"] for mark in PLACEHOLDERS)  # an untouched section still counts as unfinished


@pytest.mark.parametrize("step_name", [step_name for step_name, _ in FILE_ANSWERS])
def test_a_changed_stub_keeps_nbgraders_checksum_true(step_name):
    from nbgrader.utils import compute_checksum

    for cell in released(step_name).cells:
        if is_solution(cell) and file_stub(cell.source):
            assert cell.metadata.nbgrader["checksum"] == compute_checksum(cell)


# -- every step: the data scientist drives, the engineer navigates (as the site's pairing page says) ----------

SWAP = re.compile(r"[^.;!?\n]*\bswap[^.;!?\n]*", re.I)  # a sentence that swaps someone
SCIENTIST_DRIVES = re.compile(r"\bdata scientists? drives?\b", re.I)


def driving_problems(text: str) -> list[str]:
    """Each statement in ``text`` where an engineer drives, or a swap that is not between data scientists."""
    found = engineer_drives(text)
    text = re.sub(r"\s+", " ", text)
    found += [m.group(0).strip() for m in SWAP.finditer(text) if "data scientists" not in m.group(0)]
    return found


def test_the_driving_check_recognises_the_statements_it_is_for():
    for statement in (
        "*Pairing:* the data engineer drives; the data scientist decides",
        "the ML / platform engineer drives the configuration and the workflow",
        "the software engineer drives and owns the contract",
        "Here the engineer takes the keyboard.",
        "The step is driven by the software engineer.",
        "Swap at every test.",
        "*Driver and navigator:* swap at every task.",
    ):
        assert driving_problems(statement), statement
    for statement in (
        "The data scientist drives; the engineer navigates.",
        "the engineer navigates, ideally the software engineer, who explains it as the data scientist types it",
        "In a trio, the two data scientists swap the keyboard at every task.",
        "the engineer never takes the keyboard",
    ):
        assert not driving_problems(statement), statement


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.slug)
def test_in_every_released_notebook_the_data_scientist_drives(step):
    for name in step.notebooks:
        notebook = nbformat.read(str(step.exercise_dir / name), as_version=4)
        text = "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        assert driving_problems(text) == [], f"{step.slug}/{name}: an engineer drives, or a swap not in a trio"
        assert SCIENTIST_DRIVES.search(re.sub(r"\s+", " ", text)), f"{step.slug}/{name} never says who drives"

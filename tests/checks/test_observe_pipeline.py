"""course.checks.observe.pipeline: the planted birds step 9's predict check gives a learner's command line."""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd
import pytest

from course.authoring.end_state import write_end_state
from course.checks.observe import pipeline
from course.checks.observe.pipeline import GOOD_BIRDS_AFTER, PLANTED_BIRDS, SOURCE_SEASON, cli_session
from course.core.catalog import find_step

TRAIN = "train --season data/seasons/PAL0708.csv --season data/seasons/PAL0809.csv --season data/seasons/PAL0910.csv"
PREDICT = "predict --model-dir artifacts --input data/seasons/impossible.csv"


def test_each_planted_row_changes_one_column_and_the_good_rows_are_the_seasons_own(tmp_path):
    source = find_step("09").solution_dir / SOURCE_SEASON
    (tmp_path / "data" / "seasons").mkdir(parents=True)
    shutil.copy(source, tmp_path / SOURCE_SEASON)
    pipeline._write_season(tmp_path, "impossible.csv", "impossible_birds")
    as_text = {"dtype": str, "keep_default_na": False}  # the cells as written, an empty cell as ""
    written = pd.read_csv(tmp_path / "data" / "seasons" / "impossible.csv", **as_text)
    original = pd.read_csv(source, **as_text).head(len(written))
    assert len(written) == len(PLANTED_BIRDS) + GOOD_BIRDS_AFTER
    changed = [sorted(written.columns[written.iloc[row] != original.iloc[row]]) for row in range(len(written))]
    assert changed == [[column] for column, _ in PLANTED_BIRDS] + [[]] * GOOD_BIRDS_AFTER


def predicted_and_problems(folder, monkeypatch) -> list[tuple[bool, str]]:
    """Train and predict the planted birds in ``folder`` as the check does: (predicted?, problem) per row."""
    monkeypatch.chdir(folder)
    train, predict = cli_session([TRAIN, PREDICT], seasons={"impossible.csv": "impossible_birds"})
    assert (train["exit_code"], predict["exit_code"]) == (0, 0), predict["stderr"][-500:]
    rows = list(csv.DictReader(io.StringIO(predict["stdout"])))
    return [(row["predicted_sex"] in ("MALE", "FEMALE"), row.get("problem") or "") for row in rows]


@pytest.mark.slow
def test_the_reference_command_line_marks_exactly_the_planted_birds_and_a_predict_anything_one_does_not(
    tmp_path, monkeypatch
):
    reference = tmp_path / "reference"
    write_end_state(find_step("09"), reference, git=False)
    seen = predicted_and_problems(reference, monkeypatch)
    assert [predicted for predicted, _ in seen] == [False] * len(PLANTED_BIRDS) + [True] * GOOD_BIRDS_AFTER
    problems = [problem for _, problem in seen[: len(PLANTED_BIRDS)]]
    assert all(column in problem for problem, (column, _) in zip(problems, PLANTED_BIRDS, strict=True))

    careless = tmp_path / "careless"  # the review's bug: predict never asks bird_problems
    write_end_state(find_step("09"), careless, git=False)
    cli = careless / "penguins" / "cli.py"
    cli.write_text(
        cli.read_text().replace("problems = bird_problems(raw)", 'problems = pd.Series("", index=raw.index)')
    )
    seen = predicted_and_problems(careless, monkeypatch)
    assert [predicted for predicted, _ in seen][: len(PLANTED_BIRDS)] != [False] * len(PLANTED_BIRDS)

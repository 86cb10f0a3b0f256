"""course.checks.mutation: a planted bug is caught by tests that check its behaviour, and missed by tests that don't."""

from __future__ import annotations

import textwrap

import pytest

from course.checks import mutation
from course.checks.mutation import REFERENCE, PytestOutcome, Variant, VariantError, catches, outcome_for, prefetch

MODULE = textwrap.dedent('''
    def heavy(masses, limit):
        """The masses strictly above the limit."""
        return [m for m in masses if m > limit]
''')
GOOD_TESTS = textwrap.dedent("""
    from birds import heavy

    def test_keeps_heavier_birds():
        assert heavy([1, 5, 9], 4) == [5, 9]

    def test_drops_a_bird_of_exactly_the_limit():
        assert heavy([4, 5], 4) == [5]
""")
WEAK_TESTS = textwrap.dedent("""
    from birds import heavy

    def test_keeps_heavier_birds():
        assert heavy([1, 5, 9], 4) == [5, 9]
""")
BOUNDARY = Variant("keeps a bird of exactly the limit", (("m > limit", "m >= limit"),))
EVERYTHING = Variant("keeps every bird", (("if m > limit]", "]"),))


@pytest.fixture
def project(tmp_path):
    (tmp_path / "birds.py").write_text(MODULE)
    (tmp_path / "test_good.py").write_text(GOOD_TESTS)
    (tmp_path / "test_weak.py").write_text(WEAK_TESTS)
    return tmp_path


def test_a_variant_changes_each_snippet_once_or_refuses():
    assert BOUNDARY.apply(MODULE) == MODULE.replace("m > limit", "m >= limit")
    assert REFERENCE.apply(MODULE) == MODULE
    with pytest.raises(VariantError, match="occurs 0 times, expected once"):
        Variant("absent", (("no such code", "x"),)).apply(MODULE)
    with pytest.raises(VariantError, match="occurs 2 times"):
        Variant("twice", (("m", "n"),)).apply("m + m")


def test_pytest_outcome_says_passed_only_when_tests_ran():
    assert PytestOutcome(0, 3, 3, "").all_passed and not PytestOutcome(0, 3, 3, "").failed
    assert not PytestOutcome(5, 0, 0, "no tests ran").all_passed  # nothing collected is not a pass
    assert PytestOutcome(1, 3, 2, "").failed and not PytestOutcome(-1, 0, 0, "").failed


def test_good_tests_catch_the_planted_bugs_and_weak_tests_miss_the_boundary(project):
    good, weak, module = project / "test_good.py", project / "test_weak.py", project / "birds.py"
    prefetch(good, module, [BOUNDARY, EVERYTHING])
    reference = outcome_for(good, module)
    assert (reference.exit_code, reference.collected, reference.passed) == (0, 2, 2)
    assert outcome_for(good, module, BOUNDARY).failed and outcome_for(good, module, BOUNDARY).passed == 1
    assert catches(good, module, BOUNDARY) and catches(good, module, EVERYTHING)
    assert not catches(weak, module, BOUNDARY)  # passes on the bug: the boundary is left untested
    assert catches(weak, module, EVERYTHING)


def test_tests_that_fail_on_the_reference_catch_nothing(project):
    (project / "test_wrong.py").write_text(
        "from birds import heavy\n\ndef test_wrong():\n    assert heavy([4], 4) == [4]\n"
    )
    assert outcome_for(project / "test_wrong.py", project / "birds.py").failed
    assert not catches(project / "test_wrong.py", project / "birds.py", EVERYTHING)


def test_run_script_returns_the_variables_of_each_variant_run_in_its_folder(tmp_path):
    script = tmp_path / "pipeline.py"
    (tmp_path / "limit.txt").write_text("4")
    script.write_text(
        "from pathlib import Path\nlimit = int(Path('limit.txt').read_text())\n"
        "kept = [m for m in [3, 4, 5] if m > limit]\nprint('noise')\n"
    )
    assert mutation.run_script(script)["kept"] == [5]
    assert mutation.run_script(script, BOUNDARY)["kept"] == [4, 5]


def test_package_tests_fail_only_on_a_variant_they_check(tmp_path):
    package = tmp_path / "pkg"
    (package / "tests").mkdir(parents=True)
    (package / "birds.py").write_text(MODULE)
    (package / "tests" / "test_birds.py").write_text(
        "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parents[1]))\n" + GOOD_TESTS
    )
    assert mutation.package_tests_fail(package, "birds.py", BOUNDARY)
    assert not mutation.package_tests_fail(package, "birds.py", REFERENCE)
    assert (package / "birds.py").read_text() == MODULE  # the variant went into a copy

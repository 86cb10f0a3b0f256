"""``course doctor``: each check finds its problem and prints a fix."""

from __future__ import annotations

from course.core.catalog import load_steps
from course.learner import doctor
from course.learner.workspace import update_workspace

STEPS = load_steps()


def test_python_version():
    assert doctor.check_python((3, 11, 4)).ok
    old = doctor.check_python((3, 9, 18))
    assert not old.ok and "3.9.18" in old.detail and "3.11" in old.fix


def test_packages_missing_or_out_of_range_get_a_fix():
    findings = {
        f.name: f for f in doctor.check_packages(["pandas>=2.2,<4", "no-such-course-dependency>=1", "nbformat<1"])
    }
    assert findings["pandas"].ok
    assert not findings["no-such-course-dependency"].ok and "pip install" in findings["no-such-course-dependency"].fix
    assert not findings["nbformat"].ok and "needs <1" in findings["nbformat"].detail


def test_the_course_requirements_are_read_from_its_metadata():
    names = " ".join(doctor.required_packages())
    assert "nbgrader" in names and "ipywidgets" in names and "mkdocs" not in names  # no dev extra


def test_kernel_starts_and_imports_the_course():
    finding = doctor.check_kernel()
    assert finding.ok, finding.detail


def test_missing_kernel_gets_a_fix():
    finding = doctor.check_kernel("no-such-kernel-for-the-course", timeout=10)
    assert not finding.ok and "ipykernel install" in finding.fix


def test_widgets_extension_is_found():
    assert doctor.check_widgets_extension().ok


def test_workspace_problems_and_fixes(tmp_path):
    missing = doctor.check_workspace(tmp_path / "none")
    assert [f.ok for f in missing] == [False] and "course workspace" in missing[0].fix
    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS)
    assert all(f.ok for f in doctor.check_workspace(workspace))
    notebook = workspace / STEPS[0].slug / STEPS[0].notebooks[0]
    notebook.unlink()
    findings = doctor.check_workspace(workspace)
    assert not findings[-1].ok and f"{STEPS[0].slug}/{STEPS[0].notebooks[0]}" in findings[-1].detail


def test_report_lists_problems_with_their_fixes():
    text = doctor.report(
        [doctor.Finding("python", True, "Python 3.11"), doctor.Finding("kernel", False, "broken", "do this")]
    )
    assert "ok       python: Python 3.11" in text
    assert "PROBLEM  kernel: broken\n         fix: do this" in text
    assert text.endswith("1 problem(s) found: apply the fixes above, then run `course doctor` again")


def test_course_doctor_passes_on_a_ready_machine(tmp_path, capsys):
    from course.cli import main

    workspace = tmp_path / "ws"
    update_workspace(workspace, STEPS)
    assert main(["doctor", "--workspace", str(workspace)]) == 0, capsys.readouterr().out
    assert capsys.readouterr().out.rstrip().endswith("everything looks ready")

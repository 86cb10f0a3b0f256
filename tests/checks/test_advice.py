"""Advice for the classic refactoring errors: what probably happened, and what to try."""

from __future__ import annotations

import importlib
import sys
import textwrap

from course.checks import Check
from course.checks.advice import for_error


def _raised(thunk) -> BaseException:
    try:
        thunk()
    except BaseException as error:  # noqa: BLE001 - we want whatever it raised
        return error
    raise AssertionError("expected an error")


def test_name_error_inside_an_extracted_function_says_pass_it_in():
    def clean_penguins():
        return raw_penguins.dropna()  # noqa: F821 - the global it used to read

    advice = for_error(_raised(clean_penguins))
    assert "clean_penguins()" in advice and "'raw_penguins'" in advice
    assert "parameter" in advice and "pass it in" in advice


def test_name_error_in_a_module_function_when_the_notebook_has_the_name(tmp_path, monkeypatch):
    (tmp_path / "cleaning_demo.py").write_text("def clean():\n    return penguins_frame\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("cleaning_demo")
    monkeypatch.setattr(sys.modules["__main__"], "penguins_frame", [1], raising=False)
    advice = for_error(_raised(module.clean))
    assert "module cleaning_demo" in advice and "cannot see the notebook's variables" in advice


def test_name_error_in_the_check_itself_says_run_the_cells_above():
    check = Check("demo_missing_name")
    check.equal("accuracy", lambda: accuracy_of_model, 0.9)  # noqa: F821
    advice = check.lines[0].advice
    assert "Run All Above" in advice and "return it" in advice


def test_absolute_path_says_use_a_relative_one():
    advice = for_error(_raised(lambda: open("/Users/sam/Downloads/penguins_raw (2).csv")))
    assert "absolute path" in advice and "Path('data') / 'penguins_raw (2).csv'" in advice


def test_relative_path_names_the_working_folder_and_a_nearby_file(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "penguins-raw.csv").write_text("x\n")
    monkeypatch.chdir(tmp_path)
    advice = for_error(_raised(lambda: open("penguins-raw.csv")))
    assert str(tmp_path) in advice and "'data/penguins-raw.csv'" in advice


def test_module_not_found_for_a_package_in_src_says_install_it(tmp_path, monkeypatch):
    (tmp_path / "src" / "penguin_tools").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    advice = for_error(_raised(lambda: importlib.import_module("penguin_tools")))
    assert "pip install -e ." in advice and "restart the kernel" in advice


def test_module_not_found_in_general_says_where_to_look():
    advice = for_error(_raised(lambda: importlib.import_module("no_such_course_package")))
    assert "'no_such_course_package'" in advice and "restart the kernel" in advice


def test_stale_module_after_editing_the_file_says_restart_or_autoreload(tmp_path, monkeypatch):
    source = tmp_path / "features_demo.py"
    source.write_text("def old_name():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("features_demo")
    source.write_text(
        textwrap.dedent("""
        def old_name():
            return 1


        def culmen_ratio(frame):
            return frame
    """)
    )
    attribute = for_error(_raised(lambda: module.culmen_ratio))
    assert "still holds the version" in attribute and "%autoreload 2" in attribute
    imported = for_error(_raised(lambda: exec("from features_demo import culmen_ratio", {})))
    assert "still holds the module" in imported and "%autoreload 2" in imported
    missing = for_error(_raised(lambda: module.not_there))
    assert "has no 'not_there'" in missing and "still holds" not in missing


def test_changed_signature_says_update_the_calls():
    def features(frame, columns):
        return frame

    assert "update every call" in for_error(_raised(lambda: features([1])))


def test_stub_and_unknown_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "stub" in for_error(NotImplementedError())
    assert for_error(ZeroDivisionError("x")) == ""


def test_a_wrong_value_from_stale_module_code_says_restart(tmp_path, monkeypatch):
    """The learner fixed the file, but the kernel still runs the version it imported."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "penguin_pkg").mkdir()
    (tmp_path / "penguin_pkg" / "__init__.py").write_text("")
    source = tmp_path / "penguin_pkg" / "cleaning_stale.py"
    source.write_text("def kept_rows():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("penguin_pkg.cleaning_stale")
    check = Check("demo_stale")
    check.equal("kept_rows()", module.kept_rows, 329)
    assert check.lines[0].advice == ""  # wrong, but not stale: no advice
    source.write_text("def kept_rows():\n    return 329\n")
    check.equal("kept_rows()", module.kept_rows, 329)
    check.true("kept_rows() == 329", lambda: module.kept_rows() == 329, "True")
    for line in check.lines[1:]:
        assert "penguin_pkg/cleaning_stale.py" in line.advice and "%autoreload 2" in line.advice
    importlib.reload(module)
    assert module.kept_rows() == 329 and for_error(ZeroDivisionError()) == ""  # reloaded: no longer stale


def test_advice_never_raises_even_on_odd_errors():
    class Odd(FileNotFoundError):
        @property
        def filename(self):
            raise RuntimeError("broken")

    assert for_error(Odd()) == ""


def test_explain_errors_is_off_outside_ipython_and_under_nbgrader(monkeypatch):
    from course.lab.explain import explain_errors

    assert explain_errors() is False  # plain pytest: no IPython shell
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert explain_errors() is False


def test_an_unchanged_module_with_classes_lambdas_and_decorators_is_not_stale(tmp_path, monkeypatch):
    from course.checks.advice import stale_modules

    monkeypatch.chdir(tmp_path)
    (tmp_path / "shapes_demo.py").write_text(
        textwrap.dedent("""
        import functools

        SQUARES = [n * n for n in range(3)]
        double = lambda n: 2 * n


        def logged(function):
            @functools.wraps(function)
            def wrapper(*args):
                return function(*args)
            return wrapper


        @logged
        def area(width, height):
            return width * height


        class Penguin:
            def weight(self):
                return 4.2
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("shapes_demo")
    assert stale_modules() == []
    (tmp_path / "shapes_demo.py").write_text(
        (tmp_path / "shapes_demo.py").read_text() + "\n\ndef new_helper():\n    return 1\n"
    )
    assert stale_modules() == ["shapes_demo.py"]

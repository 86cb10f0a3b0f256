"""course.checks.observe.libraries: step 15's golden master is what step 14's hand-written code answers.

The expected answers of step 15's checks are written down (``PLANTED``, ``BIRD_PLANTED``,
``CONFIG_VALUES``, ``REFUSALS``). These tests prove they are the golden master, not a guess: step 14's
hand-written validation and settings give exactly those answers, step 15's pandera and
pydantic-settings reference gives them too, and a refactor that breaks the behaviour does not.
"""

from __future__ import annotations

import textwrap

import pytest
from end_states import observed, written_end_state

from course.authoring.end_state import write_end_state
from course.checks.observe import libraries
from course.core.catalog import find_step
from weak_submissions import JSON_THAT_LISTS_ITS_FIELDS

VALIDATION = "src/penguins/validation.py"
SERVICE = "src/penguins/service.py"


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """Step 14's end state: the hand-written code the golden master was recorded from."""
    return written_end_state(tmp_path_factory.mktemp("before") / "14", "14")


@pytest.fixture(scope="module")
def after(tmp_path_factory):
    """Step 15's end state: the same package on pandera and pydantic-settings."""
    return written_end_state(tmp_path_factory.mktemp("after") / "15", "15")


def test_the_hand_written_rules_flag_exactly_the_golden_rows_and_birds(before, monkeypatch):
    seen = observed(before, monkeypatch, libraries.schema)
    assert seen["clean_rows_flagged"] == {"value": {}}
    assert seen["planted_rows_flagged"] == {"value": libraries.golden_planted()}
    assert seen["validate_planted"] == {"value": libraries.golden_split()}
    assert seen["bird_rows_flagged"] == {"value": libraries.golden_birds()}
    assert "error" in seen["flagged_without_the_schema"]  # step 14 has no schema to empty


def test_the_hand_written_settings_give_the_golden_values_and_refusals(before, monkeypatch):
    seen = observed(before, monkeypatch, libraries.settings)
    assert seen["is_base_settings"] is False
    assert libraries.value_of(seen["file_alone"]) == libraries.golden_values()
    assert libraries.value_of(seen["environment"]) == libraries.golden_values(seed=3)
    assert libraries.value_of(seen["override_over_environment"]) == libraries.golden_values(seed=5)
    assert libraries.value_of(seen["service_variables_beside"]) == libraries.golden_values()
    elsewhere = libraries.golden_values(data_path="elsewhere/data/penguins-raw.csv", model_dir="elsewhere/artifacts")
    assert libraries.value_of(seen["from_another_folder"]) == elsewhere
    assert libraries.refusals(seen) == libraries.golden_refusals()


def test_the_library_reference_gives_the_same_answers_from_a_schema_and_a_settings_class(after, monkeypatch):
    schema = observed(after, monkeypatch, libraries.schema)
    assert schema["planted_rows_flagged"] == {"value": libraries.golden_planted()}
    assert schema["bird_rows_flagged"] == {"value": libraries.golden_birds()}
    assert libraries.value_of(schema["batch_schema_type"]).endswith("DataFrameSchema")
    assert schema["flagged_without_the_schema"] == {"value": {}}
    settings = observed(after, monkeypatch, libraries.settings)
    assert settings["is_base_settings"] is True
    assert libraries.refusals(settings) == libraries.golden_refusals()
    assert "frozen" in settings["frozen"]["error"]
    service = observed(after, monkeypatch, libraries.service_settings)
    assert libraries.value_of(service["app_from_environment"]) == ["/srv/models", "/srv/record.jsonl"]
    assert service["service_reads_os_environ"] is False


def test_a_schema_validated_without_lazy_misses_the_golden_rows(after, monkeypatch, tmp_path):
    mutant = tmp_path / "mutant"
    write_end_state(find_step("15"), mutant, git=False)
    source = (mutant / VALIDATION).read_text()
    assert "schema.validate(frame, lazy=True)" in source
    (mutant / VALIDATION).write_text(source.replace("schema.validate(frame, lazy=True)", "schema.validate(frame)"))
    seen = observed(mutant, monkeypatch, libraries.schema)
    assert seen["planted_rows_flagged"] != {"value": libraries.golden_planted()}


def test_a_misspelt_key_is_not_named_by_a_missing_key_alone():
    seen = {"refusals": {"n_tree in the file": {"error": "ConfigError: missing n_trees in config.toml"}}}
    assert libraries.refusals(seen)["n_tree in the file"] != libraries.golden_refusals()["n_tree in the file"]


LOGGING = "src/penguins/logging_setup.py"


def test_the_hand_written_formatter_gives_the_golden_key_value_lines(before, monkeypatch):
    seen = observed(before, monkeypatch, libraries.json_logs)
    assert seen["default_lines"] == {"value": libraries.golden_default_lines()}
    assert "json_lines" in seen["json_lines"]["error"]  # step 14 has no JSON lines to give
    assert seen["service_line"] != {"value": libraries.golden_service_line()}


def test_the_library_reference_gives_json_lines_with_every_context_field_and_keeps_the_lines(after, monkeypatch):
    seen = observed(after, monkeypatch, libraries.json_logs)
    assert seen["json_lines"] == {"value": libraries.golden_json_lines()}
    assert seen["default_lines"] == {"value": libraries.golden_default_lines()}
    assert seen["service_line"] == {"value": libraries.golden_service_line()}


def test_the_golden_json_lines_hold_the_fields_and_values_of_the_golden_key_value_lines():
    for line, record in zip(libraries.golden_default_lines(), libraries.golden_json_lines(), strict=True):
        head = f"{record['level']} {record['logger']}: {record['message']}"
        context = {key: value for key, value in record.items() if key not in ("level", "logger", "message", "has_time")}
        if "exc_info" in record:  # the traceback ends the text record, so its context is not on this line
            assert line == head
            continue
        assert line == head + " | " + " ".join(f"{key}={value}" for key, value in context.items())


# Task 4's answer as the end state holds it (its solution region, indented in logging_config).
LIBRARY_ANSWER = '''    formatters["json"] = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
    }
    formatter = "json" if json_lines else "key_value"'''


def test_a_json_format_that_lists_its_fields_drops_the_context_and_fails(monkeypatch, tmp_path):
    mutant = tmp_path / "mutant"
    write_end_state(find_step("15"), mutant, git=False)
    source = (mutant / LOGGING).read_text()
    assert LIBRARY_ANSWER in source
    # The weak answer whose format string lists its fields: step 6's whitelist bug again, as JSON.
    (mutant / LOGGING).write_text(source.replace(LIBRARY_ANSWER, textwrap.indent(JSON_THAT_LISTS_ITS_FIELDS, "    ")))
    seen = observed(mutant, monkeypatch, libraries.json_logs)
    first = libraries.value_of(seen["json_lines"])[0]
    assert set(first) == {"level", "logger", "message", "has_time"}  # model_version and species are gone
    assert seen["json_lines"] != {"value": libraries.golden_json_lines()}
    assert seen["default_lines"] == {"value": libraries.golden_default_lines()}

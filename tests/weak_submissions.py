"""Weak but plausible answers, and the points they must NOT earn.

Each entry replaces the solution region of one answer cell (between BEGIN and
END SOLUTION) with a weak answer a learner might write, and names graded cells
that must then score zero. They prove the grading discriminates: a test that
asserts nothing earns nothing, a net that records too little misses the
planted changes it cannot see.
"""

from __future__ import annotations

import re

import nbformat

from course.core.cells import BEGIN_SOLUTION, END_SOLUTION, grade_id_of

# A JSON line written by a format string: only the fields it names reach the log (no model_version).
JSON_THAT_LISTS_ITS_FIELDS = '''formatters["json"] = {
    "format": '{"time": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s", "message": "%(message)s"}'
}
formatter = "json" if json_lines else "key_value"'''

# Step 16's weak preprocessing and model (the reference is in the step's notebook).
ZEROS_FOR_AN_UNKNOWN_ISLAND = """ignore = {"sparse_output": False, "handle_unknown": "ignore"}
ratio = FunctionTransformer(culmen_ratio, feature_names_out=culmen_ratio_name)
return ColumnTransformer(
    [
        ("measurements", "passthrough", MEASUREMENTS),
        ("culmen_ratio", ratio, ["Culmen Length (mm)", "Culmen Depth (mm)"]),
        ("species", OneHotEncoder(categories=[list(SPECIES.values())], **ignore), ["Species"]),
        ("island", OneHotEncoder(categories=[ISLANDS], **ignore), ["Island"]),
    ],
    verbose_feature_names_out=False,
)"""
WITHOUT_THE_CULMEN_RATIO = """return ColumnTransformer(
    [
        ("measurements", "passthrough", MEASUREMENTS),
        ("species", OneHotEncoder(categories=[list(SPECIES.values())], sparse_output=False), ["Species"]),
        ("island", OneHotEncoder(categories=[ISLANDS], sparse_output=False), ["Island"]),
    ],
    verbose_feature_names_out=False,
)"""
FOREST_WITHOUT_ITS_SEED = """forest = RandomForestClassifier(n_estimators=n_trees, max_depth=max_depth)
model = Pipeline([("features", make_preprocessor()), ("forest", forest)])
model.fit(X_train, y_train)"""

# step slug -> list of (learner id, answer cell grade_id, weak solution code, cells that must score 0)
WEAK = {
    "01-reproducible": [
        (
            "weak-trust-without-a-checksum",  # a Data we trust that decides nothing
            "step01_ways_of_working_file#0",
            "We only use good data that we trust, and we look at it carefully together before we train a model.",
            ["step01_ways_of_working"],
        ),
    ],
    "02-safety-net": [
        (
            "weak-tests-in-three-words",  # Tests we expect, too short to be an agreement
            "step02_ways_of_working_file",
            "We test everything.",
            ["step02_ways_of_working"],
        ),
        (
            "weak-asserts-nothing",
            "step02_compare",
            "return None",
            [
                "step02_check_names_the_difference",
                "step02_passes_on_harmless_refactor",
                "step02_catches_changed_filter",
                "step02_catches_different_default",
                "step02_catches_reordered_columns",
            ],
        ),
        (
            "weak-accuracy-only",
            "step02_snapshot",
            'return {"accuracy": round(float(run["accuracy"]), 6), "rows": 1, "version": 1, "model": "forest"}',
            ["step02_catches_changed_filter", "step02_catches_different_default"],
        ),
    ],
    "03-pure-functions": [
        (
            "weak-reads-a-global",
            "step03_load_and_clean#1",
            "\n".join(
                [
                    "penguins = raw[COLUMNS].replace(MISSING_MARKERS, pd.NA)",
                    "penguins[MEASUREMENTS] = penguins[MEASUREMENTS].apply(pd.to_numeric, errors='coerce')",
                    "penguins = penguins.dropna()",
                    "penguins = penguins.assign(body_mass_kg=penguins['Body Mass (g)'] / 1000)",
                    "return penguins[penguins['body_mass_kg'] < MAX_BODY_MASS_KG]",
                ]
            ),
            ["step03_clean_is_pure"],
        ),
        (
            "weak-changes-its-input",
            "step03_features_functions",
            "\n".join(
                [
                    "penguins['culmen_ratio'] = penguins['Culmen Length (mm)'] / penguins['Culmen Depth (mm)']",
                    "species = penguins['Species'].str.split(' ').str[0]",
                    "features = penguins[['Culmen Length (mm)', 'Culmen Depth (mm)', 'Flipper Length (mm)', "
                    "'body_mass_kg', 'culmen_ratio']]",
                    "features = features.rename(columns={'body_mass_kg': 'Body Mass (g)'})",
                    "for name in SPECIES:",
                    "    features[f'is_{name.lower()}'] = (species == name).astype(int)",
                    "for island in ISLANDS:",
                    "    features[f'is_{island.lower()}'] = (penguins['Island'] == island).astype(int)",
                    "return features[FEATURES]",
                ]
            ),
            ["step03_features"],
        ),
    ],
    "04-unit-tests": [
        (
            "weak-asserts-nothing",
            "step04_test_file",
            "\n".join(
                [
                    "def test_clean_runs(raw):",
                    "    clean(raw, max_body_mass_kg=6.0)",
                    "",
                    "",
                    "def test_make_features_runs(raw):",
                    "    make_features(clean(raw, max_body_mass_kg=6.0))",
                ]
            ),
            [
                "step04_catches_wrong_rows",
                "step04_catches_unit",
                "step04_catches_input_change",
                "step04_catches_label_leak",
                "step04_catches_boundary",
                "step04_catches_unseeded_split",
                "step04_catches_unseen_category",
            ],
        ),
        (
            "weak-happy-path-only",
            "step04_test_file",
            "\n".join(
                [
                    "def test_clean_drops_rows_without_sex(raw):",
                    "    assert list(clean(raw, max_body_mass_kg=7.0).index) == [0, 1, 3]",
                    "",
                    "",
                    "def test_make_features_gives_the_model_columns(raw):",
                    "    assert list(make_features(clean(raw, max_body_mass_kg=7.0)).columns) == FEATURES",
                ]
            ),
            [
                "step04_catches_input_change",
                "step04_catches_label_leak",
                "step04_catches_boundary",
                "step04_catches_unseeded_split",
                "step04_catches_unseen_category",
            ],
        ),
    ],
    "05-data-validation": [
        (
            "weak-drops-silently",
            "step05_validation_module#3",
            "\n".join(
                [
                    "check_columns(frame)",
                    "bad = row_problems(frame) != ''",
                    "return ValidationResult(valid=frame[~bad], quarantine=frame.iloc[0:0].assign(reason=''))",
                ]
            ),
            [
                "step05_out_of_range",
                "step05_unknown_category",
                "step05_duplicates",
                "step05_malformed_date",
                "step05_nothing_lost",
            ],
        ),
    ],
    "06-logging": [
        (
            "weak-prints",
            "step06_core_module#3",
            'print(f"clean kept {len(kept)} of {len(raw)} rows")',
            ["step06_no_print_no_handlers", "step06_clean_logs_rows"],
        ),
        (
            "weak-whitelist-formatter",  # the formatter before the review: only the context fields it knows
            "step06_setup_module#0",
            "\n".join(
                [
                    "line = super().format(record)",
                    "known = ('path', 'rows', 'sha256', 'season', 'rows_in', 'rows_out', 'valid', 'quarantined',",
                    "         'n_trees', 'max_depth', 'seed', 'accuracy')",
                    "context = ' '.join(f'{key}={getattr(record, key)}' for key in known if hasattr(record, key))",
                    "return f'{line} | {context}' if context else line",
                ]
            ),
            ["step06_entry_point_config"],
        ),
    ],
    "07-configuration": [
        (
            "weak-literals",
            "step07_pipeline_module",
            "\n".join(
                [
                    "raw = load_raw('data/penguins-raw.csv', settings.expected_sha256)",
                    "checked = validate(raw)",
                    "penguins = clean(checked.valid, 6.0)",
                    "X, y = make_features(penguins), make_labels(penguins)",
                    "X_train, X_test, y_train, y_test = split(X, y, 0.25, 1)",
                    "model = train(X_train, y_train, 137, 7, 1)",
                    "accuracy = evaluate(model, X_test, y_test)",
                    "return {'raw': raw, 'quarantine': checked.quarantine, 'penguins': penguins, 'X': X, 'y': y,",
                    "        'X_train': X_train, 'X_test': X_test, 'y_train': y_train, 'y_test': y_test,",
                    "        'model': model, 'accuracy': accuracy}",
                ]
            ),
            ["step07_pipeline_uses_settings"],
        ),
    ],
    "08-package": [
        (
            "weak-defines-in-notebook",
            "step08_entry_point",
            "\n".join(
                [
                    "from penguins.logging_setup import configure_logging",
                    "from penguins.pipeline import run_pipeline",
                    "from penguins.settings import load_settings",
                    "",
                    "def main():",
                    "    configure_logging('INFO')",
                    "    return run_pipeline(load_settings('config.toml'))",
                    "",
                    "result = main()",
                ]
            ),
            ["step08_thin_notebook"],
        ),
        (
            "weak-version-written-twice",  # a static version beside penguins.__version__: two places to drift apart
            "step08_pyproject_file",
            "\n".join(
                [
                    "[build-system]",
                    'requires = ["setuptools>=70.1"]',
                    'build-backend = "setuptools.build_meta"',
                    "",
                    "[project]",
                    'name = "penguins"',
                    'version = "0.1.0"',
                    'requires-python = ">=3.11"',
                    'dependencies = ["pandas>=2.2,<4", "scikit-learn>=1.5,<2"]',
                    "",
                    "[tool.setuptools]",
                    'packages = ["penguins"]',
                    "",
                    "[tool.pytest.ini_options]",
                    'testpaths = ["tests"]',
                ]
            ),
            ["step08_pyproject"],
        ),
    ],
    "09-pipeline-cli": [
        (
            "weak-tracebacks",
            "step09_cli_module#4",
            "\n".join(
                [
                    "args = build_parser().parse_args(argv)",
                    "configure_logging('INFO', stream=sys.stderr)",
                    "return args.run(args)",
                ]
            ),
            ["step09_bad_input_exit_codes"],
        ),
        (
            "weak-predicts-anything",  # predict before the review: every bird gets a sex, however impossible
            "step09_cli_module#3",
            "\n".join(
                [
                    "model, metadata = load_model(args.model_dir)",
                    "raw = pd.read_csv(args.input)",
                    "birds = prepare_for_prediction(raw)",
                    "features = make_features(birds)[metadata.get('features', FEATURES)]",
                    "raw.loc[birds.index, 'predicted_sex'] = model.predict(features)",
                    "raw.loc[birds.index, 'probability'] = model.predict_proba(features).max(axis=1).round(3)",
                    "raw.to_csv(sys.stdout, index=False)",
                    "return OK",
                ]
            ),
            ["step09_predict"],
        ),
        (
            "weak-artifacts-without-what-they-are",  # Models and artifacts that says where, not what or when
            "step09_ways_of_working_file",
            "Training saves the model in the artifacts folder, and we keep it there so that the service can load "
            "it later.",
            ["step09_ways_of_working"],
        ),
    ],
    "10-service": [
        (
            "weak-no-ranges",  # plain types: the service answers for any island and any mass
            "step10_service_module#0",
            "\n".join(
                [
                    "species: str",
                    "island: str",
                    "culmen_length_mm: float",
                    "culmen_depth_mm: float",
                    "flipper_length_mm: float",
                    "body_mass_g: float",
                ]
            ),
            ["step10_impossible_birds", "step10_malformed_requests"],
        ),
    ],
    "11-quality-gates": [
        (
            "weak-lint-cannot-fail",  # the lint steps carry on after a failure
            "step11_ci_file",
            "\n".join(
                [
                    "name: CI",
                    "on: [push]",
                    "jobs:",
                    "  checks:",
                    "    runs-on: ubuntu-latest",
                    "    steps:",
                    "      - uses: actions/checkout@v6",
                    "      - uses: actions/setup-python@v6",
                    "        with:",
                    "          python-version: '3.11'",
                    "      - run: python -m pip install -e '.[dev]'",
                    "      - run: ruff check penguins tests",
                    "        continue-on-error: true",
                    "      - run: ruff format --check penguins tests || true",
                    "      - run: mypy penguins",
                    "      - run: python -m pytest",
                ]
            ),
            ["step11_ci_workflow", "step11_ci_fails_on_problems"],
        ),
        (
            "weak-mypy-not-strict",  # the gates of step 11 before the review: mypy checks bodies, not signatures
            "step11_pyproject",
            "\n".join(
                [
                    "[project.optional-dependencies]",
                    'dev = ["pytest>=8", "httpx2>=2,<3", "ruff>=0.17,<0.18", "mypy>=2.4,<3", "pre-commit>=4"]',
                    "",
                    "[tool.ruff]",
                    "line-length = 120",
                    'target-version = "py311"',
                    "",
                    "[tool.ruff.lint]",
                    'select = ["E", "W", "F", "I", "B", "UP", "S"]',
                    "",
                    "[tool.ruff.lint.per-file-ignores]",
                    '"tests/**" = ["S101"]',
                    "",
                    "[tool.mypy]",
                    'python_version = "3.11"',
                    "check_untyped_defs = true",
                    "",
                    "[[tool.mypy.overrides]]",
                    'module = ["pandas.*", "sklearn.*"]',
                    "ignore_missing_imports = true",
                ]
            ),
            ["step11_mypy"],
        ),
        (
            "weak-ci-pinned-by-tag",  # two Pythons, but actions pinned by a tag and the token's default rights
            "step11_ci_file",
            "\n".join(
                [
                    "name: CI",
                    "on: [push, pull_request]",
                    "jobs:",
                    "  checks:",
                    "    runs-on: ubuntu-latest",
                    "    strategy:",
                    "      matrix:",
                    "        python-version: ['3.11', '3.13']",
                    "    steps:",
                    "      - uses: actions/checkout@v6",
                    "      - uses: actions/setup-python@v6",
                    "        with:",
                    "          python-version: ${{ matrix.python-version }}",
                    "      - run: python -m pip install -e '.[dev]'",
                    "      - run: ruff check penguins tests",
                    "      - run: ruff format --check penguins tests",
                    "      - run: mypy penguins",
                    "      - run: python -m pytest",
                ]
            ),
            ["step11_ci_workflow"],
        ),
        (
            "weak-silences-the-linter",  # noqa instead of a fix
            "step11_pipeline_module",
            'return [f"{season}/{bird}" for season, bird in zip(frame["studyName"], frame["Individual ID"])]'
            "  # noqa: B905",
            ["step11_ruff_lint"],
        ),
    ],
    "12-ways-of-working": [
        (
            "weak-one-test-file",  # names a test command that runs a fraction of the tests
            "step12_ways_of_working_file#3",  # regions: title, Who owns what, Coding standards, Tests, Done
            "We run `python -m pytest tests/test_features.py` before every pull request, and every new "
            "function comes with unit tests of its own.",
            ["step12_test_command_runs"],
        ),
        (
            "weak-other-linters",  # names tools the team's CI does not run
            "step12_ways_of_working_file#2",
            "We format with `black .` and lint with `flake8 penguins`; public functions have type hints and "
            "a docstring, and read no global state.",
            ["step12_standards_match_ci"],
        ),
    ],
    "13-first-deployment": [
        (
            "weak-always-ready",  # a /ready that never asks the model: ready with any model file
            "step13_service",
            'return {"status": "ready", "model_version": str(metadata["model_version"])}',
            ["step13_ready"],
        ),
        (
            "weak-smoke-health-only",  # a smoke test that only asks whether the process is up
            "step13_smoke_module",
            "\n".join(
                [
                    'status, health = call(base_url, "/health")',
                    "if status != 200:",
                    '    found.append(f"GET /health answered {status} {health}, expected 200")',
                ]
            ),
            ["step13_smoke_test"],
        ),
        (
            "weak-web-page-left-out",  # src/ found, but the web page is not package data: fine here, broken installed
            "step13_pyproject",
            "\n".join(
                [
                    "[tool.setuptools.packages.find]",
                    'where = ["src"]',
                    "",
                    "[tool.setuptools.dynamic]",
                    'version = {attr = "penguins.__version__"}',
                ]
            ),
            ["step13_src_layout", "step13_deployed"],
        ),
    ],
    "14-model-versions": [
        (
            "weak-saved-in-place",  # writes straight into the version's folder: half a version when the disk fills
            "step14_artifacts#0",
            "\n".join(
                [
                    "target = model_dir / version",
                    "target.mkdir(exist_ok=True)",
                    "(target / MODEL_FILE).write_bytes(blob)",
                    '(target / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\\n")',
                ]
            ),
            ["step14_versions"],
        ),
        (
            "weak-trusts-everything",  # trusts whatever types the file asks for: a planted function loads
            "step14_artifacts#1",
            "\n".join(
                [
                    "folder = Path(model_dir) / version",
                    "if not is_version(folder):",
                    '    raise FileNotFoundError(f"no model version {version!r} in {model_dir}")',
                    "blob = (folder / MODEL_FILE).read_bytes()",
                    "model = skops.io.loads(blob, trusted=skops.io.get_untrusted_types(data=blob))",
                    "metadata = json.loads((folder / METADATA_FILE).read_text())",
                ]
            ),
            ["step14_versions"],
        ),
        (
            "weak-promotion-in-place",  # promoted.json written in place: half a list when the disk fills
            "step14_promotion_module#0",
            "\n".join(
                [
                    "if version not in versions(model_dir):",
                    '    raise FileNotFoundError(f"no model version {version!r} in {model_dir}")',
                    '(Path(model_dir) / PROMOTED_FILE).write_text(json.dumps([*promoted(model_dir), version]) + "\\n")',
                ]
            ),
            ["step14_promotion"],
        ),
        (
            "weak-loads-once",  # the model loaded when the service starts, never again: a restart to promote
            "step14_service#0",
            "\n".join(
                [
                    "if self.version is None:",
                    "    version = current_version(self.model_dir)",
                    "    if version is None:",
                    '        raise FileNotFoundError(f"no model promoted in {self.model_dir}")',
                    "    self.loaded = load_version(self.model_dir, version)",
                    "    self.version = version",
                ]
            ),
            ["step14_follows_promotions"],
        ),
        (
            "weak-record-without-the-bird",  # records the answer but not what was asked
            "step14_service#1",
            "\n".join(
                [
                    'line = {"at": datetime.now(UTC).isoformat(), **prediction.model_dump()}',
                    'with self.lock, self.path.open("a", encoding="utf-8") as record:',
                    '    record.write(json.dumps(line) + "\\n")',
                ]
            ),
            ["step14_prediction_record"],
        ),
    ],
    "15-field-libraries": [
        (
            "weak-not-lazy",  # validated without lazy=True: pandera stops at the first failure
            "step15_validation#2",
            "\n".join(
                [
                    "try:",
                    "    schema.validate(frame)",
                    "except pa.errors.SchemaErrors as errors:",
                    "    return reasons_from(errors, frame.index)",
                    'return pd.Series("", index=frame.index, dtype=object)',
                ]
            ),
            ["step15_schema"],
        ),
        (
            "weak-forgets-the-bird-twice",  # every column's rules, but not the key: a bird twice passes
            "step15_validation#0",
            "\n".join(
                [
                    "columns = {column: pa.Column(checks=rules(column), nullable=True) for column in REQUIRED_COLUMNS}",
                    "return pa.DataFrameSchema(columns)",
                ]
            ),
            ["step15_schema"],
        ),
        (
            "weak-settings-without-ranges",  # the types, but no ranges: test_size = 1.5 passes
            "step15_settings_module#0",
            "\n".join(
                [
                    "data_path: Path",
                    "expected_sha256: str",
                    "model_dir: Path",
                    "max_body_mass_kg: float",
                    "test_size: float",
                    "n_trees: int",
                    "max_depth: int",
                    "seed: int",
                ]
            ),
            ["step15_settings"],
        ),
        (
            "weak-file-wins",  # the sources written lowest first, as the hand-written reader applied them
            "step15_settings_module#1",
            "return TomlConfigSettingsSource(settings_cls), env_settings, init_settings",
            ["step15_settings"],
        ),
        (
            "weak-json-that-lists-its-fields",  # step 6's whitelist bug again, as JSON: the context is dropped
            "step15_logging_module",
            JSON_THAT_LISTS_ITS_FIELDS,
            ["step15_json_logs"],
        ),
        (
            "weak-json-for-everyone",  # JSON lines at the terminal too: the command line's lines for people are gone
            "step15_logging_module",
            "\n".join(
                [
                    'formatters["json"] = {',
                    '    "()": "pythonjsonlogger.json.JsonFormatter",',
                    '    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",',
                    '    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},',
                    "}",
                    'formatter = "json"',
                ]
            ),
            ["step15_json_logs"],
        ),
        (
            "weak-service-still-reads-the-environment",  # the right paths, read by hand beside ServiceSettings
            "step15_service",
            "\n".join(
                [
                    "import os",
                    "",
                    "return create_app(",
                    '    os.environ.get("PENGUINS_MODEL_DIR", "artifacts"),',
                    '    os.environ.get("PENGUINS_PREDICTION_RECORD", "predictions.jsonl"),',
                    ")",
                ]
            ),
            ["step15_service_settings"],
        ),
        (
            "weak-trust-without-the-schema",  # Data we trust that does not say how the batch is checked now
            "step15_ways_of_working_file#0",
            "- Every new batch is checked where it enters, and a bad row goes to the quarantine with its reason.",
            ["step15_ways_of_working"],
        ),
    ],
    "16-preprocessing-pipeline": [
        (
            "weak-zeros-for-an-unknown-island",  # handle_unknown="ignore": a bird on Anvers answered from zeros
            "step16_features",
            ZEROS_FOR_AN_UNKNOWN_ISLAND,
            ["step16_preprocessor"],
        ),
        (
            "weak-forgets-the-culmen-ratio",  # the measurements and the flags: one feature short of the hand-written
            "step16_features",
            WITHOUT_THE_CULMEN_RATIO,
            ["step16_preprocessor"],
        ),
        (
            "weak-forest-without-its-seed",  # the Pipeline, but the forest's seed forgotten: other trees, other answers
            "step16_model",
            FOREST_WITHOUT_ITS_SEED,
            ["step16_pipeline"],
        ),
        (
            "weak-trusts-whatever-the-file-asks",  # every type the file names is trusted: print would load too
            "step16_artifacts",
            "return skops.io.loads(blob, trusted=skops.io.get_untrusted_types(data=blob))",
            ["step16_trusted"],
        ),
        (
            "weak-models-without-the-pipeline",  # Models and artifacts that does not say what a model now is
            "step16_ways_of_working_file",
            "- Every trained model is a version in its own folder, saved with skops, and never overwritten.",
            ["step16_ways_of_working"],
        ),
    ],
    "17-watching-the-model": [
        (
            "weak-shift-keeps-the-missing-values",  # no dropna: scipy's statistic with NaN in it is not a shift
            "step17_drift_module#0",
            "\n".join(
                [
                    "if pd.api.types.is_numeric_dtype(reference) and pd.api.types.is_numeric_dtype(recent):",
                    "    return float(ks_2samp(reference, recent).statistic)",
                    "shares = reference.value_counts(normalize=True)",
                    "return float(shares.sub(recent.value_counts(normalize=True), fill_value=0).abs().sum() / 2)",
                ]
            ),
            ["step17_shift"],
        ),
        (
            "weak-shift-as-a-difference-of-means",  # how far the means moved, in standard deviations: not 0 to 1
            "step17_drift_module#0",
            "\n".join(
                [
                    "reference, recent = reference.dropna(), recent.dropna()",
                    "if pd.api.types.is_numeric_dtype(reference) and pd.api.types.is_numeric_dtype(recent):",
                    "    return float(abs(recent.mean() - reference.mean()) / reference.std())",
                    "shares = reference.value_counts(normalize=True)",
                    "return float(shares.sub(recent.value_counts(normalize=True), fill_value=0).abs().sum() / 2)",
                ]
            ),
            ["step17_shift"],
        ),
        (
            "weak-threshold-written-in-the-function",  # 0.2 written in: the data scientist's setting is ignored
            "step17_drift_module#1",
            "\n".join(
                [
                    "shifts = [round(shift(reference[column], recent[column]), 3) for column in MONITORED]",
                    "return pd.DataFrame(",
                    '    {"shift": shifts, "threshold": threshold, "drifted": [value > 0.2 for value in shifts]},',
                    '    index=pd.Index(MONITORED, name="column"),',
                    ")",
                ]
            ),
            ["step17_drift_table"],
        ),
        (
            "weak-watches-the-inputs-only",  # the measurements, species and island, but not the model's answers
            "step17_drift_module#1",
            "\n".join(
                [
                    'watched = [column for column in MONITORED if column != "Sex"]',
                    "shifts = [round(shift(reference[column], recent[column]), 3) for column in watched]",
                    "drifted = [value > threshold for value in shifts]",
                    "return pd.DataFrame(",
                    '    {"shift": shifts, "threshold": threshold, "drifted": drifted},',
                    '    index=pd.Index(watched, name="column"),',
                    ")",
                ]
            ),
            ["step17_drift_table"],
        ),
        (
            "weak-drift-without-a-threshold",  # Data we trust that mentions drift but not who decides how much
            "step17_ways_of_working_file",
            "- We check the data for drift every season with penguins drift and look at the report together.",
            ["step17_ways_of_working"],
        ),
    ],
}

REGION = re.compile(rf"(?P<indent>[ \t]*){BEGIN_SOLUTION}\n.*?{END_SOLUTION}", re.S)


def with_weak_answer(notebook_path, target: str, code: str):
    """The source notebook with one solution region replaced by ``code``.

    ``target`` is an answer cell's grade_id, optionally with ``#N`` for its N-th
    solution region (counting from 0) when the cell has several.
    """
    grade_id, _, index = target.partition("#")
    index = int(index or 0)
    notebook = nbformat.read(str(notebook_path), as_version=4)
    for cell in notebook.cells:
        if grade_id_of(cell) == grade_id:
            regions = list(REGION.finditer(cell.source))
            match = regions[index]
            indent = match.group("indent")
            weak = "\n".join(indent + line for line in code.splitlines())
            cell.source = cell.source[: match.start()] + weak + cell.source[match.end() :]
            return notebook
    raise KeyError(f"{notebook_path} has no cell {grade_id}")

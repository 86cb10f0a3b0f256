"""The planted bugs that grade a learner's tests, by step and by the behaviour they break.

Learners see only the names: a surviving mutant is reported as the behaviour
their tests leave unchecked, never as the change itself. Hidden mutants for
grading live in the notebooks' hidden test blocks instead. Each variant must
match the reference module exactly once (``tests/checks/test_mutants.py`` checks
that every one applies and that the reference tests of its step catch it).
"""

from __future__ import annotations

from course.checks.mutation import Variant

STEP04 = {
    variant.name: variant
    for variant in [
        Variant(
            "clean keeps rows whose sex is missing",
            (("    penguins = penguins.dropna()\n", "    penguins = penguins.dropna(subset=MEASUREMENTS)\n"),),
        ),
        Variant(
            "clean leaves body mass in grams",
            (('body_mass_kg=penguins["Body Mass (g)"] / 1000)', 'body_mass_kg=penguins["Body Mass (g)"] / 1)'),),
        ),
        Variant(
            "make_features changes the frame it is given",
            (
                (
                    '    species = penguins["Species"].str.split(" ").str[0]\n',
                    '    species = penguins["Species"].str.split(" ").str[0]\n'
                    '    penguins["species_short"] = species\n',
                ),
            ),
        ),
        Variant(
            "make_features lets the label leak into a feature",
            (
                (
                    '"culmen_ratio": penguins["Culmen Length (mm)"] / penguins["Culmen Depth (mm)"],',
                    '"culmen_ratio": penguins["Culmen Length (mm)"] / penguins["Culmen Depth (mm)"]'
                    ' + (penguins["Sex"] == "MALE"),',
                ),
            ),
        ),
        Variant(
            "clean keeps birds of exactly the mass limit",
            (
                (
                    'penguins[penguins["body_mass_kg"] < max_body_mass_kg]',
                    'penguins[penguins["body_mass_kg"] <= max_body_mass_kg]',
                ),
            ),
        ),
        Variant(
            "split ignores the seed",
            (
                (
                    "train_test_split(X, y, test_size=test_size, random_state=seed)",
                    "train_test_split(X, y, test_size=test_size)",
                ),
            ),
        ),
        Variant(
            "make_features flags an unknown island as Biscoe",
            (
                (
                    '        features[f"is_{island.lower()}"] = (penguins["Island"] == island).astype(int)\n',
                    '        features[f"is_{island.lower()}"] = (penguins["Island"] == island).astype(int)\n'
                    '    features["is_biscoe"] = (~penguins["Island"].isin(["Dream", "Torgersen"])).astype(int)\n',
                ),
            ),
        ),
    ]
}

BY_STEP = {"step04": STEP04}


def mutant(step: str, name: str) -> Variant:
    """The planted bug of ``step`` that breaks the behaviour ``name``."""
    try:
        return BY_STEP[step][name]
    except KeyError:
        known = ", ".join(BY_STEP.get(step, {}))
        raise KeyError(f"no mutant {name!r} for {step}; known: {known}") from None

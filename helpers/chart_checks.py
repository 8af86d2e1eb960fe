"""Checks of what a run's figures and charts show (exercises 7 and 8), read from the stored files.

A PNG that decodes is not yet a scatterplot of the data, and a confusion matrix with
the right columns is not yet this model's: these checks open what wandb stored and
compare it with the data and the model's predictions on the course's test split.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from helpers.check_core import CheckResult, inspect_run, stored_run, verdict
from helpers.recompute import config_model, confusion_on_test, describe


def colours(path: Any) -> tuple[int, float]:
    """The distinct hues drawn in an image (a species each, in a seaborn scatter), and its spread.

    Greys (axes, text, background) are not counted; a hue counts when at least 40
    pixels show it. The spread (standard deviation of the pixels) is 0 for a blank image.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import rgb_to_hsv

    pixels = plt.imread(path)
    if pixels.dtype != np.float32 and pixels.max() > 1:
        pixels = pixels / 255.0
    rgb = (
        pixels[..., :3].reshape(-1, 3)
        if pixels.ndim == 3
        else np.repeat(pixels.reshape(-1, 1), 3, 1)
    )
    hsv = rgb_to_hsv(rgb)
    vivid = hsv[(hsv[:, 1] > 0.35) & (hsv[:, 2] > 0.25)]
    bins = np.bincount((vivid[:, 0] * 24).astype(int) % 24, minlength=24) >= 40
    # neighbouring bins are one hue: count the runs of filled bins around the circle
    starts = bins & ~np.roll(bins, 1)
    hues = int(starts.sum()) if not bins.all() else 1
    return hues, float(rgb.std())


def check_scatter(
    run: Any, key: str = "scatter", classes: int = 3, media: Iterable[str] = ()
) -> None:
    """Exercise 7: ``key`` shows the data, one colour per species; ``media`` were logged."""
    from helpers.views import media_file

    result = CheckResult()
    stored = stored_run(run, "run", result)
    if stored is not None:
        result.add(inspect_run(stored, media=[key, *media]))
    if stored is not None and result.ok:
        path = media_file(stored, key)
        problem = _scatter_problem(path, key, classes)
        if problem:
            result.missing.append(problem)
        else:
            result.found.append(f"{key} shows the data in {colours(path)[0]} colours")
    verdict(result)


def _scatter_problem(path: Any, key: str, classes: int) -> str:
    """What is wrong with the stored scatter image, or "" when it shows ``classes`` colours."""
    fix = "log the figure the snippet drew (its axes' .figure), before plt.show() closes it"
    try:
        hues, spread = colours(path)
    except (OSError, SyntaxError, ValueError) as exc:
        return f"{key}: {path.name} is not an image ({exc}): log wandb.Image(figure)"
    if spread < 0.01:
        return f"{key} is blank (one flat colour): {fix}"
    if hues == 0:
        return f"{key} shows no coloured point (empty axes, or greys only): {fix}"
    if hues < classes:
        return (
            f"{key} shows {hues} colour(s) for {classes} species: colour the points by "
            "species (hue=...)"
        )
    return ""


def _matrix_matches(stored: dict[str, Any], labels: list[str], model: str | None) -> CheckResult:
    """Is the stored confusion matrix that of the config's model on the course's test split?"""
    from helpers.views import stored_confusion_matrix

    try:
        name, params = config_model(stored.get("config") or {}, model)
    except ValueError as error:
        return CheckResult(missing=[f"the config does not describe a course model: {error}"])
    expected = confusion_on_test(name, params)
    matrix = stored_confusion_matrix(stored).reindex(index=labels, columns=labels).fillna(0)
    found = matrix.to_numpy().astype(int)
    if (found == expected).all():
        return CheckResult(found=[f"confusion_matrix holds {describe(name, params)}'s test counts"])
    total, wanted = int(found.sum()), int(expected.sum())
    if total != wanted:
        return CheckResult(
            missing=[
                f"confusion_matrix counts {total} flowers; the course's test split has "
                f"{wanted}: pass the test labels and the predictions on the test features"
            ]
        )
    return CheckResult(
        missing=[
            f"confusion_matrix holds {found.tolist()} (rows: true classes), but "
            f"{describe(name, params)} predicts {expected.tolist()} on the test split: "
            "pass this model's predictions"
        ]
    )


def _proportions_match(stored: dict[str, Any]) -> CheckResult:
    """Does class_proportions count the course's training and test splits?"""
    from helpers.data import load_split
    from helpers.views import load_table

    data = load_split()
    table = load_table(stored, "class_proportions")
    found = {(str(d), str(c)): int(n) for c, d, n in table[["class", "dataset", "count"]].values}
    wanted = {}
    for dataset, y in (("train", data.y_train), ("test", data.y_test)):
        for index, count in enumerate(np.bincount(y)):
            wanted[(dataset, data.class_names[index])] = int(count)
    if found == wanted:
        return CheckResult(found=["class_proportions counts the course's train and test splits"])
    return CheckResult(
        missing=[
            "class_proportions does not count the course's split: pass the training "
            f"labels, then the test labels (found {sorted(found.items())})"
        ]
    )


SKLEARN_CHART_KEYS = (
    "class_proportions",
    "learning_curve",
    "roc_table",
    "precision_recall_table",
    "confusion_matrix",
)


def chart_labels(run: dict[str, Any], labels: list[str]) -> CheckResult:
    """Do the stored class-proportions and confusion-matrix tables name the classes ``labels``?"""
    from helpers.views import SKLEARN_CHARTS, load_table

    result = CheckResult()
    for key, column in [("class_proportions", "class"), ("confusion_matrix", "Actual")]:
        if key not in (run.get("summary") or {}):
            result.missing.append(f"{key} was not logged")
            continue
        table = load_table(run, key)
        if list(table.columns) != SKLEARN_CHARTS[key]:
            result.missing.append(f"{key} has columns {list(table.columns)}")
            continue
        stored = sorted(set(table[column]))
        if stored == sorted(labels):
            result.found.append(f"{key} labels the classes {', '.join(stored)}")
        else:
            result.missing.append(f"{key} labels the classes {stored}, not {labels}")
    return result


def check_sklearn_charts(
    run: Any,
    labels: list[str],
    model: str | None = None,
    charts: Iterable[str] = SKLEARN_CHART_KEYS,
) -> None:
    """Exercise 8: the five ``wandb.sklearn`` charts, labelled with the class names, of this model.

    The confusion matrix must hold the counts of the config's model (``model`` when the
    config names none) on the course's test split; the class proportions, the split's.
    """
    result = CheckResult()
    stored = stored_run(run, "run", result)
    if stored is not None:
        result.add(inspect_run(stored, media=charts))
    if stored is not None and result.ok:
        result.add(chart_labels(stored, labels))
    if stored is not None and result.ok:
        result.add(_proportions_match(stored))
        result.add(_matrix_matches(stored, labels, model))
    verdict(result)

"""Figures and scikit-learn charts: the stored files decode, with the right columns and labels."""

from __future__ import annotations

import os

import matplotlib
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, roc_auc_score

from helpers.checks import check_plot_inputs
from helpers.data import load_split
from helpers.models import make_model
from helpers.runs import read_runs
from helpers.views import (
    SKLEARN_CHARTS,
    load_table,
    media,
    media_file,
    plot_sklearn_charts,
    stored_confusion_matrix,
)
from tests.conftest import NOTEBOOKS
from tests.harness import Executed, execute
from tests.run_checks import check_chart_labels, check_image

matplotlib.use("Agg")
CLASSES = ["setosa", "versicolor", "virginica"]


def _execute(name, tmp_path, **parameters) -> Executed:
    """The notebook in ``tmp_path`` as the ``offline`` fixture's student (no account, offline)."""
    return execute(NOTEBOOKS / f"{name}.ipynb", tmp_path, dict(os.environ), parameters=parameters)


def _run_notebook(name, tmp_path, **parameters):
    done = _execute(name, tmp_path, **parameters)
    assert not done.failed, done.why()
    return read_runs(tmp_path / "wandb")


def test_04_stores_decodable_images_a_histogram_and_a_table(offline, tmp_path):
    [run] = _run_notebook("04_figures", tmp_path, HIST_FEATURE=3)
    import matplotlib.pyplot as plt

    for key in ["data_as_pixels", "scatter", "feature_by_species"]:
        entry = media(run, key, "image-file")
        pixels = plt.imread(media_file(run, key))
        assert pixels.shape[:2] == (entry["height"], entry["width"])
    size = media(run, "scatter")["width"], media(run, "scatter")["height"]
    assert check_image(run, "scatter", size).ok  # the course's snippet, at its own size
    assert not check_image(run, "scatter", (size[0] + 1, size[1])).ok
    hist = media(run, "feature_histogram", "histogram")
    assert sum(hist["values"]) == 120 and len(hist["bins"]) == len(hist["values"]) + 1
    split = load_split()
    assert min(hist["bins"]) == pytest.approx(split.X_train[:, 3].min())  # the feature asked for
    table = load_table(run, "predictions")
    assert len(table) == 30
    assert list(table.columns[-3:]) == ["actual", "predicted", "confidence"]
    assert set(table["actual"]) <= set(CLASSES)


def test_04_refuses_a_feature_that_does_not_exist(offline, tmp_path):
    done = _execute("04_figures", tmp_path, HIST_FEATURE=7)
    assert done.failed and "HIST_FEATURE must be a feature number 0..3" in done.raised.evalue
    assert not (tmp_path / "wandb").exists() or read_runs(tmp_path / "wandb") == []


def test_05_stores_all_five_charts_with_class_names(offline, tmp_path):
    run, second = _run_notebook("05_sklearn_plots", tmp_path, MODEL="LogisticRegression")
    for key, columns in SKLEARN_CHARTS.items():
        table = load_table(run, key)
        assert list(table.columns) == columns, key
        assert len(table) > 0
    for key, column in [
        ("class_proportions", "class"),
        ("confusion_matrix", "Actual"),
        ("confusion_matrix", "Predicted"),
        ("roc_table", "class"),
        ("precision_recall_table", "class"),
    ]:
        assert sorted(set(load_table(run, key)[column])) == CLASSES, key
    counts = load_table(run, "class_proportions").groupby("dataset")["count"].sum()
    assert counts.to_dict() == {"test": 30, "train": 120}
    assert load_table(run, "confusion_matrix")["Count"].sum() == 30
    assert check_chart_labels(run, CLASSES).ok

    # The matrix read back has the true classes as rows, as scikit-learn computes it, even though
    # wandb.sklearn stored the true class in the column it calls "Predicted".
    split = load_split()
    predicted = (
        make_model("LogisticRegression").fit(split.X_train, split.y_train).predict(split.X_test)
    )
    truth = confusion_matrix(split.y_test, predicted)
    assert truth.sum() - np.trace(truth) >= 1, "needs a mistake to tell rows from columns"
    np.testing.assert_array_equal(stored_confusion_matrix(run).to_numpy(), truth)
    # Pivoted by its own column names, the stored table is the transpose: the trap 05 shows.
    as_written = load_table(run, "confusion_matrix").pivot_table(
        index="Actual", columns="Predicted", values="Count"
    )
    np.testing.assert_array_equal(as_written.loc[CLASSES, CLASSES].to_numpy(), truth.T)
    newer = load_table(second, "conf_mat_table").pivot_table(
        index="Actual", columns="Predicted", values="nPredictions"
    )
    np.testing.assert_array_equal(newer.loc[CLASSES, CLASSES].to_numpy(), truth)
    assert not check_chart_labels(run, ["a", "b", "c"]).ok
    fig = plot_sklearn_charts(run)
    assert [ax.get_title() for ax in fig.axes[:5]] == [
        "class proportions",
        "learning curve",
        "ROC",
        "precision-recall",
        "confusion matrix",
    ]
    _assert_charts_say_what_they_show(fig, split)


def _assert_charts_say_what_they_show(fig, split):
    """ROC's legend names each class's AUC as scikit-learn computes it from the predictions
    (the stored curve is exact), the PR legend an AUC too, and the proportions legend covers
    no bar."""
    probas = make_model("LogisticRegression").fit(split.X_train, split.y_train)
    probas = probas.predict_proba(split.X_test)
    expected = [
        f"{name} (AUC = {roc_auc_score(split.y_test == k, probas[:, k]):.2f})"
        for k, name in enumerate(CLASSES)
    ]
    roc, pr = fig.axes[2], fig.axes[3]
    assert [t.get_text() for t in roc.get_legend().get_texts()] == expected
    assert all("(AUC = " in t.get_text() for t in pr.get_legend().get_texts())
    assert roc.get_xlim()[0] < 0 and roc.get_ylim()[1] > 1  # lines on the edges stay visible
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent()
    bars = [bar.get_window_extent() for bar in fig.axes[0].patches]
    assert bars and not any(legend.overlaps(bar) for bar in bars)


@pytest.fixture(scope="module")
def predictions():
    split = load_split()
    model = make_model("LogisticRegression").fit(split.X_train, split.y_train)
    return split, model.predict(split.X_test), model.predict_proba(split.X_test)


def test_good_plot_inputs_pass(predictions):
    split, _, probas = predictions
    check_plot_inputs(split.y_test, probas, split.class_names)


def test_feature_names_as_labels_are_refused(predictions):
    split, _, probas = predictions
    with pytest.raises(ValueError, match="4 labels for 3 classes: give one class name per"):
        check_plot_inputs(split.y_test, probas, split.feature_names)


def test_too_few_labels_are_refused(predictions):
    split, _, probas = predictions
    with pytest.raises(ValueError, match="2 labels for 3 classes"):
        check_plot_inputs(split.y_test, probas, ["setosa", "versicolor"])


def test_probabilities_of_the_wrong_shape_are_refused(predictions):
    split, predicted, probas = predictions
    with pytest.raises(ValueError, match=r"shape \(30, 3\) expected, got \(30,\)"):
        check_plot_inputs(split.y_test, predicted, split.class_names)
    with pytest.raises(ValueError, match=r"shape \(30, 3\) expected, got \(29, 3\)"):
        check_plot_inputs(split.y_test, probas[1:], split.class_names)
    with pytest.raises(ValueError, match="rows of y_probas must sum to 1"):
        check_plot_inputs(split.y_test, np.eye(3)[predicted] * 2, split.class_names)


def test_missing_media_names_what_was_logged():
    run = {"summary": {"scatter": {"_type": "image-file", "path": "x.png"}, "accuracy": 1.0}}
    with pytest.raises(KeyError, match="the run has no media 'roc_table'; it logged: scatter"):
        media(run, "roc_table")
    with pytest.raises(TypeError, match="'scatter' is a image-file, not a histogram"):
        media(run, "scatter", "histogram")


def test_an_unreadable_image_file_fails_the_check(tmp_path, capsys):
    media_dir = tmp_path / "files" / "media"
    media_dir.mkdir(parents=True)
    (media_dir / "scatter.png").write_bytes(b"not a png")
    run = {
        "dir": str(tmp_path),
        "state": "finished",
        "summary": {"scatter": {"_type": "image-file", "path": "media/scatter.png"}},
    }
    result = check_image(run, "scatter", (600, 400))
    assert not result.ok
    assert "✘ scatter.png is not a readable PNG" in capsys.readouterr().out


def test_views_of_a_disabled_run_say_so_and_draw_nothing(capsys):
    from helpers.views import plot_history, show_media

    assert show_media(None, ["scatter"]) is None
    assert plot_sklearn_charts(None) is None
    assert capsys.readouterr().out.count("wandb is disabled") == 2
    assert plot_history(None, "fold_accuracy").get_title() == "fold_accuracy: nothing stored"
    empty = load_table(None, "confusion_matrix")
    assert list(empty.columns) == SKLEARN_CHARTS["confusion_matrix"] and empty.empty

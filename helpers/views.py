"""Local views of a stored run's media: the images, histograms, tables and charts the website draws.

Everything here starts from a run read back with :func:`helpers.runs.read_run` and
the files wandb wrote into the run folder (``files/media/...``). Nothing is
recomputed from the model: if a chart looks wrong here, it is wrong in the run too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay, auc

# The summary keys under which wandb.sklearn.plot_* store their tables.
SKLEARN_CHARTS = {
    "class_proportions": ["class", "dataset", "count"],
    "learning_curve": ["dataset", "score", "train_size"],
    "roc_table": ["class", "fpr", "tpr"],
    "precision_recall_table": ["class", "precision", "recall"],
    "confusion_matrix": ["Predicted", "Actual", "Count"],
}
# The table behind ``wandb.plot.confusion_matrix``, logged under ``<key>_table``.
PLOT_TABLES = {"conf_mat_table": ["Actual", "Predicted", "nPredictions"]}


def media(run: dict[str, Any], key: str, kind: str | None = None) -> dict[str, Any]:
    """The summary entry for logged media ``key``, or a KeyError naming what the run does hold."""
    value = (run.get("summary") or {}).get(key)
    if not isinstance(value, dict) or "_type" not in value:
        logged = sorted(k for k, v in (run.get("summary") or {}).items() if isinstance(v, dict))
        raise KeyError(f"the run has no media {key!r}; it logged: {', '.join(logged) or 'none'}")
    if kind and value["_type"] != kind:
        raise TypeError(f"{key!r} is a {value['_type']}, not a {kind}")
    return value


def media_file(run: dict[str, Any], key: str) -> Path:
    """Where the file of logged media ``key`` lies in the run folder."""
    return Path(run["dir"]) / "files" / media(run, key)["path"]


def load_table(run: dict[str, Any] | None, key: str) -> pd.DataFrame:
    """A logged ``wandb.Table`` (or the table behind a chart) as a DataFrame, as stored.

    A run of a disabled wandb (``None``) stored no table: an empty one stands in, with the
    columns wandb's charts would have.
    """
    if run is None:
        return pd.DataFrame(columns={**SKLEARN_CHARTS, **PLOT_TABLES}.get(key))
    stored = json.loads(media_file(run, key).read_text())
    return pd.DataFrame(stored["data"], columns=stored["columns"])


def show_image(run: dict[str, Any], key: str, ax: Axes | None = None) -> Axes:
    """Draw the stored PNG of image ``key``, at its stored pixels."""
    media(run, key, "image-file")
    ax = ax or plt.figure().add_subplot()
    pixels = plt.imread(media_file(run, key))
    ax.imshow(pixels, cmap="gray" if pixels.ndim == 2 else None)
    ax.set_title(key)
    ax.axis("off")
    return ax


def plot_histogram(run: dict[str, Any], key: str, ax: Axes | None = None) -> Axes:
    """Draw the stored bins and counts of ``wandb.Histogram`` ``key``."""
    hist = media(run, key, "histogram")
    edges, counts = np.asarray(hist["bins"]), np.asarray(hist["values"])
    ax = ax or plt.figure().add_subplot()
    ax.stairs(counts, edges, fill=True)
    ax.set(title=key, ylabel="count")
    return ax


def stored_confusion_matrix(run: dict[str, Any]) -> pd.DataFrame:
    """The confusion matrix ``wandb.sklearn.plot_confusion_matrix`` stored: true classes as rows.

    That call writes each cell as ``[Predicted, Actual, Count]`` but fills ``Predicted``
    with the true class and ``Actual`` with the prediction (it walks scikit-learn's
    matrix, whose rows are the true classes, and names the row "Predicted"; wandb
    issue #1104). So the rows here come from the column named ``Predicted``.
    ``wandb.plot.confusion_matrix`` stores ``Actual`` and ``Predicted`` the right way round.
    """
    cells = load_table(run, "confusion_matrix")
    labels = list(dict.fromkeys(cells["Predicted"]))
    matrix = cells.pivot_table(index="Predicted", columns="Actual", values="Count", sort=False)
    matrix = matrix.loc[labels, labels]
    matrix.index.name, matrix.columns.name = "true class", "predicted class"
    return matrix


def _plot_proportions(ax: Axes, table: pd.DataFrame) -> None:
    """Bars of each class's count per dataset, the legend in room above the tallest bar."""
    proportions = table.pivot_table(index="class", columns="dataset", values="count", sort=False)
    proportions.plot.bar(ax=ax, rot=0, title="class proportions", ylabel="count")
    ax.set_ylim(top=1.3 * proportions.to_numpy().max())
    ax.legend(title="dataset", loc="upper center", ncols=len(proportions.columns))


def _plot_curves(ax: Axes, table: pd.DataFrame, x: str, y: str, title: str) -> None:
    """One curve per class from a stored table, the area under it (AUC) in the legend.

    A classifier perfect on the test split draws every curve along the axes' edges, where the
    spines hide them: the axes get a margin and each class a wider line beneath the next, so
    the legend's AUC = 1.00 and the lines still say so at a glance.
    """
    groups = list(table.groupby("class", sort=False))
    for rank, (name, part) in enumerate(groups):
        area = auc(part[x], part[y])
        width = 1.5 + 2.5 * (len(groups) - 1 - rank)
        ax.plot(part[x], part[y], linewidth=width, label=f"{name} (AUC = {area:.2f})")
    ax.set(xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), title=title, xlabel=x, ylabel=y)
    ax.legend(loc="center left" if x == "fpr" else "center right", fontsize="small")


def plot_sklearn_charts(run: dict[str, Any] | None) -> Figure | None:
    """The five ``wandb.sklearn`` charts, drawn from the tables the run stored.

    ROC and precision-recall name each class's area under the curve in the legend, as the
    website's tooltips do; scikit-learn's own display draws the confusion matrix. Three rows
    of two panels fit a notebook's width. ``None`` (a disabled wandb) stored nothing: one
    line says so.
    """
    if run is None:
        print("wandb is disabled, so no chart was stored to draw.")
        return None
    tables = {key: load_table(run, key) for key in SKLEARN_CHARTS}
    fig, grid = plt.subplots(3, 2, figsize=(8, 10), layout="constrained")
    axes = grid.ravel()
    axes[5].axis("off")
    _plot_proportions(axes[0], tables["class_proportions"])

    curve = tables["learning_curve"]
    for dataset, part in curve.groupby("dataset", sort=False):
        axes[1].plot(part["train_size"], part["score"], marker="o", label=dataset)
    axes[1].set(title="learning curve", xlabel="training examples", ylabel="score")
    axes[1].legend()

    _plot_curves(axes[2], tables["roc_table"], "fpr", "tpr", "ROC")
    _plot_curves(
        axes[3], tables["precision_recall_table"], "recall", "precision", "precision-recall"
    )

    matrix = stored_confusion_matrix(run)
    ConfusionMatrixDisplay(matrix.to_numpy(), display_labels=list(matrix.index)).plot(
        ax=axes[4], colorbar=False, xticks_rotation=30
    )
    axes[4].set_title("confusion matrix")
    return fig


def parallel_coordinates(table: pd.DataFrame, params: list[str], metric: str) -> Axes:
    """One line per run across its hyperparameters and metric, coloured by the metric.

    The website's parallel-coordinates panel, drawn from a :func:`helpers.run_table.runs_table`.
    Each axis is scaled to its own range; categorical values are spread evenly.
    """
    columns = [f"config.{p}" for p in params] + [metric]
    data = table[columns].dropna()
    scaled, ticks = pd.DataFrame(index=data.index), []
    for column in columns:
        values = data[column]
        if pd.api.types.is_numeric_dtype(values):
            low, high = values.min(), values.max()
            scaled[column] = (values - low) / ((high - low) or 1)
            ticks.append([(0.0, f"{low:.3g}"), (1.0, f"{high:.3g}")])
        else:
            levels = sorted(values.unique())
            spread = {v: i / max(len(levels) - 1, 1) for i, v in enumerate(levels)}
            scaled[column] = values.map(spread)
            ticks.append([(y, str(v)) for v, y in spread.items()])
    fig, ax = plt.subplots(figsize=(min(2.2 * len(columns), 8), 4), layout="constrained")
    colour = plt.get_cmap("viridis")
    rank = (data[metric] - data[metric].min()) / ((data[metric].max() - data[metric].min()) or 1)
    x = range(len(columns))
    for index in data.index:
        ax.plot(x, scaled.loc[index], color=colour(rank[index]), alpha=0.8, marker="o")
    for position, labels in zip(x, ticks, strict=True):
        ax.axvline(position, color="grey", linewidth=0.8)
        for y, text in labels:
            ax.annotate(text, (position, y), xytext=(4, 0), textcoords="offset points", fontsize=8)
    ax.set_xticks(list(x), [c.removeprefix("config.") for c in columns])
    ax.set_yticks([])
    ax.set_title(f"runs across their hyperparameters, coloured by {metric}")
    fig.colorbar(
        plt.cm.ScalarMappable(
            cmap=colour, norm=plt.Normalize(data[metric].min(), data[metric].max())
        ),
        ax=ax,
        label=metric,
    )
    return ax


def plot_history(run: dict[str, Any] | None, key: str, x: str | None = None) -> Axes:
    """The Workspace's line chart of ``key``: every step of the run's history, against ``x``.

    ``x`` is another logged key (e.g. ``fold``), or the step when omitted. A run of a
    disabled wandb (``None``) stored nothing: the axes say so.
    """
    from helpers.run_table import history

    ax = plt.figure(figsize=(6, 3), layout="constrained").add_subplot()
    steps = history(run) if run is not None else pd.DataFrame()
    if key not in steps:
        ax.set_title(f"{key}: nothing stored")
        return ax
    points = steps.dropna(subset=[key])
    ax.plot(points[x] if x else points.index, points[key], marker="o")
    ax.set(title=f"{key}, one point per step", xlabel=x or "step", ylabel=key)
    return ax


def show_media(run: dict[str, Any] | None, keys: list[str], columns: int = 2) -> Figure | None:
    """The Workspace's media panels: each stored image and histogram of ``keys``, in a grid.

    Sized to fit a notebook's width (about 9 inches at 100 dpi). ``None`` (a disabled
    wandb) stored nothing: one line says so.
    """
    if run is None:
        print("wandb is disabled, so no media was stored to show.")
        return None
    rows = -(-len(keys) // columns)
    fig, grid = plt.subplots(rows, columns, figsize=(8, 3.4 * rows), layout="constrained")
    axes = np.atleast_1d(grid).ravel()
    for key, ax in zip(keys, axes, strict=False):
        if media(run, key)["_type"] == "histogram":
            plot_histogram(run, key, ax=ax)
        else:
            show_image(run, key, ax=ax)
    for ax in axes[len(keys) :]:
        ax.axis("off")
    return fig

"""Which hyperparameter matters most for a metric, from a sweep's stored runs."""

from __future__ import annotations

import pandas as pd


def parameter_importance(
    table: pd.DataFrame, metric: str, params: list[str] | None = None, seed: int = 0
) -> pd.DataFrame:
    """Which hyperparameter matters most for ``metric``: a random forest on one-hot columns.

    A scikit-learn random forest is trained with the hyperparameters as inputs and the
    metric as the target; its feature importances say how much each input explains.
    Alongside, the linear correlation of each input with the metric says in which direction
    it acts. Categorical values are one-hot encoded, one row per value (e.g.
    ``weights=distance``). W&B's importance panel answers the same question with its own
    model, so with few runs it may rank close parameters differently.
    ``table`` is :func:`helpers.run_table.runs_table` output; ``params`` the config keys to
    use (default: every ``config.*`` column that varies). A table of no runs (wandb
    disabled) gives an empty ranking.
    """
    from sklearn.ensemble import RandomForestRegressor

    if metric not in table:
        raise KeyError(f"no metric {metric!r} in the runs; columns: {', '.join(table.columns)}")
    rows = table.dropna(subset=[metric])
    if rows.empty:  # a disabled wandb stored no run: nothing to rank, and no error
        print("no run was stored (is wandb disabled?): nothing to rank.")
        return pd.DataFrame(columns=["importance", "correlation"]).rename_axis("parameter")
    if params is None:
        params = [
            c.removeprefix("config.")
            for c in rows
            if c.startswith("config.") and rows[c].nunique() > 1
        ]
    if len(rows) < 2 or not params:
        raise ValueError("parameter importance needs at least 2 runs and 1 varying parameter")
    inputs = rows[[f"config.{p}" for p in params]].rename(columns=lambda c: c[7:])
    encoded = pd.get_dummies(inputs, prefix_sep="=", dtype=float)
    # 100 trees (scikit-learn's default): 200 ranked the course's sweeps alike, in twice the time
    forest = RandomForestRegressor(n_estimators=100, random_state=seed)
    forest.fit(encoded, rows[metric])
    result = pd.DataFrame(
        {
            "importance": forest.feature_importances_,
            "correlation": [
                encoded[c].corr(rows[metric]) if encoded[c].nunique() > 1 else 0.0 for c in encoded
            ],
        },
        index=encoded.columns,
    )
    result.index.name = "parameter"
    return result.sort_values("importance", ascending=False)

"""The command-line twin of notebooks 02 and 03: one tracked run of one course model.

    python scripts/wandb_script.py --model KNeighborsClassifier

It does what notebook 02's ``iris_script.py`` does (the split, the 10-fold
cross-validation, one ``fold_accuracy`` step per fold, then the three means; a test
runs both and compares what they stored), and also logs the model's hyperparameters
as notebook 03 teaches. It goes offline by itself when wandb finds no API key (and
says so), so it runs anywhere; `wandb sync` uploads the run later.
"""

from __future__ import annotations

import argparse
import sys

import wandb
from sklearn.datasets import load_iris
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split

from helpers.mode import choose_mode
from helpers.models import MODEL_NAMES, make_model, model_params


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train one iris model and log it to W&B.")
    parser.add_argument(
        "--model",
        default="LogisticRegression",
        choices=MODEL_NAMES,
        help="which course model to train (default: %(default)s)",
    )
    parser.add_argument(
        "--project", default="iris-course", help="W&B project (default: %(default)s)"
    )
    parser.add_argument(
        "--mode",
        choices=["online", "offline", "disabled"],
        help="wandb mode; default: WANDB_MODE, else online with a key, else offline",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)  # a bad --model exits here with code 2: no run is started
    try:
        mode = choose_mode(args.mode)  # a bad mode, key or run folder, or online with no key
    except ValueError as error:
        print(f"wandb_script.py: error: {error}", file=sys.stderr)
        return 2
    run = wandb.init(
        project=args.project,
        mode=mode,
        job_type="train",
        config={"model": args.model, **model_params(args.model)},
    )
    params = {key: value for key, value in run.config.items() if key != "model"}
    iris = load_iris()
    X_train, _, y_train, _ = train_test_split(  # the test part stays aside
        iris.data, iris.target, test_size=0.20, random_state=1
    )
    model = make_model(args.model, **params)
    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=1)
    scoring = {"accuracy": "accuracy", "f1": "f1_macro", "nll": "neg_log_loss"}
    cv = cross_validate(model, X_train, y_train, cv=folds, scoring=scoring)
    for fold, accuracy in enumerate(cv["test_accuracy"], start=1):
        run.log({"fold": fold, "fold_accuracy": accuracy})
    scores = {
        "accuracy": cv["test_accuracy"].mean(),
        "f1": cv["test_f1"].mean(),
        "nll": -cv["test_nll"].mean(),  # scikit-learn negates the log loss: flip it back
    }
    run.log(scores)
    run.finish()
    print(" | ".join(f"{name} {value:.4f}" for name, value in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

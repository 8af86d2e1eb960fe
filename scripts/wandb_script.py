"""The command-line twin of notebooks 02 and 03: one tracked run of one course model.

    python scripts/wandb_script.py --model KNeighborsClassifier

It goes offline by itself when wandb finds no API key (and says so), so it runs
anywhere; `wandb sync` uploads the run later.
"""

from __future__ import annotations

import argparse
import sys

import wandb

from helpers.data import load_split
from helpers.metrics import evaluate
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
    data = load_split()
    run = wandb.init(
        project=args.project,
        mode=mode,
        job_type="train",
        config={"model": args.model, **model_params(args.model)},
    )
    params = {key: value for key, value in run.config.items() if key != "model"}
    scores = evaluate(make_model(args.model, **params), data.X_train, data.y_train)
    run.log(scores)
    run.finish()
    print(" | ".join(f"{name} {value:.4f}" for name, value in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Small helpers for the wandb iris series.

They hold the boring parts only (data split, model registry, metrics, choosing the
mode, reading runs back, exercise checks) so that every wandb call the course
teaches stays visible in the notebooks themselves.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

__version__ = "0.1.0"


def check_wandb_is_current() -> None:
    """Stop in one line when the wandb in memory is older than the one installed.

    Colab's runtime has its own wandb; the notebooks' install cell upgrades it. A runtime
    that imported wandb before the upgrade (a cell run earlier) keeps the old one until
    it restarts, and the course would fail later with an AttributeError that says nothing.
    """
    module = sys.modules.get("wandb")
    try:
        installed = version("wandb")
    except PackageNotFoundError:
        return
    loaded = getattr(module, "__version__", installed)
    if loaded != installed:
        raise ImportError(
            f"wandb {loaded} is imported but {installed} is installed: restart the runtime "
            "(Colab: Runtime > Restart session) and run the notebook again from the top"
        )


check_wandb_is_current()

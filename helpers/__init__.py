"""Small helpers for the wandb iris series.

They hold the boring parts only (data split, model registry, metrics, choosing the
mode, reading runs back, exercise checks) so that every wandb call the course
teaches stays visible in the notebooks themselves.
"""

__version__ = "0.1.0"

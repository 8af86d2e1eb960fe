"""Start-up work the course keeps out of a student's Run All: imports that cost seconds for nothing.

The notebooks' ``setup()`` (:mod:`helpers.course`), the sweep engine (:mod:`helpers.sweep_config`)
and what runs notebooks with papermill (:mod:`helpers.batch`, ``scripts/run_notebooks.py``, the
tests) import jsonschema through here, so none of them needs another.
"""

from __future__ import annotations

import sys


def import_jsonschema() -> None:
    """Import jsonschema now, without the IRI syntax checker it loads when it can.

    In a notebook, wandb's ``run.finish()`` imports nbformat (to save the session's history)
    and the sweep engine validates configs: both import jsonschema, which loads
    ``rfc3987_syntax`` when installed (JupyterLab installs it). That module builds an Earley
    parser on import: 3 s of a student's Run All on a 2-core machine, for a URL format
    neither uses. It is hidden only while jsonschema is first imported, so anything that
    imports it later still gets it.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # jsonschema skips it
    try:
        import jsonschema  # noqa: F401
    except ImportError:  # not installed: nothing imports it, nothing to speed up
        pass
    finally:
        del sys.modules["rfc3987_syntax"]

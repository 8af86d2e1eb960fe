"""One progress bar for a sweep, updated in place: a display in Jupyter or Colab, tqdm elsewhere."""

from __future__ import annotations

import contextlib
import sys
from typing import Any


class _Progress:
    """One progress bar that updates in place: a display in Jupyter/Colab, tqdm in a terminal.

    A text bar on stderr in a notebook becomes a new block whenever something else is
    printed; a display handle is one output that is updated where it stands.
    """

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.total, self.desc, self.n = total, desc, 0
        self.failed = 0
        self.handle: Any = None
        self.bar: Any = None
        if not enabled:
            return
        kernel = None
        with contextlib.suppress(ImportError):
            from IPython import get_ipython

            kernel = getattr(get_ipython(), "kernel", None)
        if kernel is not None:
            from IPython.display import display

            self.handle = display(self._view(), display_id=True)
        else:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr)

    def _view(self) -> Any:
        from IPython.display import HTML

        failed = f", {self.failed} failed" if self.failed else ""
        text = f"{self.desc}: {self.n}/{self.total} runs{failed}"
        view = HTML(f'<progress value="{self.n}" max="{self.total}"></progress> {text}')
        return _TextAndHtml(text, view.data)

    def update(self, failed: bool = False) -> None:
        self.n += 1
        self.failed += failed
        if self.bar is not None:
            self.bar.update()
        elif self.handle is not None:
            self.handle.update(self._view())

    def set_total(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.handle is not None:
            self.handle.update(self._view())


class _TextAndHtml:
    def __init__(self, text: str, html: str) -> None:
        self.text, self.html = text, html

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html

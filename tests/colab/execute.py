"""Execute one notebook in place on this interpreter's own ``python3`` kernel.

Run with the Colab-runtime venv's Python, so the kernel and the client are Colab's versions
(ipykernel, jupyter_client, nbclient, nbformat). The executed notebook is written back, even
when a cell fails, so the test can read what each cell printed.

    python execute.py NOTEBOOK.ipynb
"""

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
notebook = nbformat.read(path, as_version=4)
client = NotebookClient(
    notebook,
    timeout=600,
    kernel_name="python3",
    resources={"metadata": {"path": str(path.parent)}},
)
try:
    client.execute()
finally:
    nbformat.write(notebook, path)

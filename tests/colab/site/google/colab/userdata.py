"""Colab's secrets API, answered from the ``COLAB_STANDIN_SECRETS`` environment variable.

The variable holds a JSON object: ``{"NAME": "value"}`` is a secret the notebook may read,
``{"NAME": null}`` a secret that exists but whose "Notebook access" switch is off. A name
that is absent does not exist. The exception classes and messages are Colab's own.
"""

import json
import os

from google.colab import errors


class NotebookAccessError(Exception):
    """The current notebook does not have access to the requested secret."""

    def __init__(self, key):
        super().__init__(f"Notebook does not have access to secret {key}")


class SecretNotFoundError(errors.Error):
    """The requested secret is not found."""

    def __init__(self, key):
        super().__init__(f"Secret {key} does not exist.")


def get(key):
    """The value of the secret ``key``, as Colab's ``userdata.get`` returns it."""
    secrets = json.loads(os.environ.get("COLAB_STANDIN_SECRETS") or "{}")
    if key not in secrets:
        raise SecretNotFoundError(key)
    if secrets[key] is None:
        raise NotebookAccessError(key)
    return secrets[key]

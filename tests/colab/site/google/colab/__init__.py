"""A stand-in for Colab's ``google.colab`` package, for tests of the Colab runtime.

Colab's real package is not on PyPI. The tests put this one into a venv built from Colab's
published package set and import it at kernel start, as Colab does, so that
``"google.colab" in sys.modules`` is true in every notebook. Only ``userdata`` is modelled.
"""

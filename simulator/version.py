"""The package's version, from its metadata (one home: pyproject.toml), in a module of its own so that the
modules recording it in manifests do not import the package's public surface."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hsct-sim")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

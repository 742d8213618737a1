"""The package's version, in a module of its own so that the modules recording it in manifests do not import the
package's public surface. Its one home: pyproject.toml reads it from here when the package is built (setuptools'
dynamic version), so every command knows it without importlib.metadata, which took a tenth of `hsct-sim --help`'s
start-up to load."""

__version__ = "0.1.0"

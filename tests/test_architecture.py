"""Dependencies run one way (STYLE.md 19): the import contract in pyproject.toml holds, so a
plain `pytest` fails on a new upward import just as `make test` does."""

from importlinter.cli import lint_imports


def test_domains_import_only_the_layers_below_them():
    assert lint_imports(no_cache=True, no_logo=True) == 0

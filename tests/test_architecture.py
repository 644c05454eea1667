"""The folders are layers (README, How it is built): imports point one way only, and the domain stays pure.

The contracts live in pyproject.toml ([tool.importlinter]); this runs them over the real import
graph, so a module importing upward fails the suite, naming the import chain.
"""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_every_layer_imports_only_the_layers_below_it(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0, "see the broken contract above"


def test_the_contract_fails_on_an_upward_import(tmp_path, monkeypatch):
    """The check can fail: a domain module importing the API breaks the layers contract."""
    package = tmp_path / "domain"
    for layer in ("domain", "store", "projections", "service", "api", "cli", "demo", "benchmarks"):
        (tmp_path / layer).mkdir()
        (tmp_path / layer / "__init__.py").write_text("")
    (package / "leak.py").write_text("import api\n")
    config = tmp_path / "pyproject.toml"
    config.write_text((ROOT / "pyproject.toml").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in __import__("sys").modules if m.split(".")[0] in ("domain", "api")]:
        monkeypatch.delitem(__import__("sys").modules, name)
    assert lint_imports(config_filename=str(config), no_cache=True) != 0

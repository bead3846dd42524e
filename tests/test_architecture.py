"""The layers of the code base: every module of ours sits in exactly one layer.

`lint-imports` (run by `make lint` and `make test`) checks that imports point down the
layers declared in pyproject.toml; a module left out of every layer would escape that
check, so this test fails when a new module is not placed in one.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "members", "communities", "practices", "demo")


def _layers() -> list[list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[m.strip() for m in layer.replace("|", ":").split(":")] for layer in contract["layers"]]


def _has_code(path: Path) -> bool:
    import ast

    body = ast.parse(path.read_text()).body
    return any(not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def _our_modules() -> list[str]:
    modules = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            if relative.name == "__init__" and (
                len(parts := relative.parts) == 2 or not _has_code(path)
            ):
                continue  # a root or empty package: its modules are placed one by one
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            modules.append(".".join(parts))
    return sorted(modules)


def _layer_of(module: str, layers: list[list[str]]) -> list[int]:
    return [
        index
        for index, layer in enumerate(layers)
        for name in layer
        if module == name or module.startswith(name + ".")
    ]


def test_every_module_sits_in_exactly_one_layer():
    layers = _layers()
    unplaced = [m for m in _our_modules() if len(_layer_of(m, layers)) != 1]
    assert unplaced == [], f"place these modules in one layer of pyproject.toml: {unplaced}"


def test_the_door_sits_below_everything_that_reads_protected_rows():
    layers = _layers()
    door = _layer_of("communities.access", layers)[0]
    for reader in ("practices.services", "members.notifications", "members.digests"):
        assert _layer_of(reader, layers)[0] < door

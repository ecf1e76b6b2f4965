"""The public surface is stated once and kept in step: the lazy table in
factcheck/__init__.py, its ``__all__`` and its type-checking imports name the same things
from the same modules; every type a public function returns (and every model those types
hold) is importable from ``factcheck``; and ``import factcheck`` stays cheap."""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

import factcheck

INIT = Path(factcheck.__file__)


def _type_checking_imports() -> dict[str, str]:
    """name → module of every ``from factcheck.x import name`` under ``if TYPE_CHECKING:``."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        names[alias.asname or alias.name] = statement.module
    return names


def test_lazy_table_all_and_type_checking_imports_agree() -> None:
    lazy: dict[str, str] = factcheck._LAZY
    checking = _type_checking_imports()
    exported = set(factcheck.__all__)
    assert len(factcheck.__all__) == len(exported), "a name is listed twice in __all__"
    assert set(lazy) == exported, (
        f"lazy only: {set(lazy) - exported}; __all__ only: {exported - set(lazy)}"
    )
    assert set(checking) == exported, (
        f"TYPE_CHECKING only: {set(checking) - exported}; __all__ only: {exported - set(checking)}"
    )
    moved = {name: (lazy[name], checking[name]) for name in lazy if lazy[name] != checking[name]}
    assert not moved, f"lazy table and type-checking imports name different modules: {moved}"


@pytest.mark.parametrize("name", sorted(factcheck.__all__))
def test_every_exported_name_resolves_to_its_module_and_is_public_there(name: str) -> None:
    module = importlib.import_module(factcheck._LAZY[name])
    assert getattr(factcheck, name) is getattr(module, name)
    public = getattr(module, "__all__", None)
    assert public is not None, f"{module.__name__} has no __all__"
    assert name in public, f"{name} is exported by factcheck but not in {module.__name__}.__all__"


#: Modules users import by name (the README shows each): they state their surface too.
PUBLIC_MODULES = [
    "factcheck.batch",
    "factcheck.display",
    "factcheck.endpoint",
    "factcheck.export",
    "factcheck.fetch",
    "factcheck.inputs",
    "factcheck.ray_data",
    "factcheck.render_markdown",
    "factcheck.render_summary",
    "factcheck.settings",
    "factcheck.testing",
    "factcheck.twins",
    *sorted(set(factcheck._LAZY.values())),
]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_modules_state_their_names(name: str) -> None:
    module = importlib.import_module(name)
    public = getattr(module, "__all__", None)
    assert public is not None, f"{name} has no __all__"
    missing = [n for n in public if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    assert len(public) == len(set(public)), f"{name}.__all__ lists a name twice"


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'summarize_everything'"):
        _ = factcheck.summarize_everything  # type: ignore[attr-defined]


def _factcheck_types(annotation: object) -> set[type]:
    """The classes defined in factcheck that an annotation mentions (through unions,
    generics and ``list``/``dict`` arguments)."""
    found: set[type] = set()
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and item.__module__.startswith("factcheck"):
            found.add(item)
        stack.extend(typing.get_args(item))
        if isinstance(item, types.UnionType):
            stack.extend(item.__args__)
    return found


def _reachable_types() -> dict[type, str]:
    """Every factcheck class a public function returns, and every class held (as a field
    or a list element) by those, with the public function it was reached from."""
    reached: dict[type, str] = {}
    queue: list[tuple[type, str]] = []
    for name in factcheck.__all__:
        value = getattr(factcheck, name)
        if inspect.isfunction(value):
            # Only the return annotation: parameters may name types imported for type
            # checking alone (a client class), which do not exist at run time.
            returned = inspect.get_annotations(value)["return"]
            if isinstance(returned, str):
                returned = eval(returned, vars(sys.modules[value.__module__]))
            queue += [(t, name) for t in _factcheck_types(returned)]
    while queue:
        kind, via = queue.pop()
        if kind in reached:
            continue
        reached[kind] = via
        if issubclass(kind, BaseModel):
            for field in kind.model_fields.values():
                queue += [(t, via) for t in _factcheck_types(field.annotation)]
        for base in getattr(kind, "__orig_bases__", ()):
            queue += [(t, via) for t in _factcheck_types(base)]
    return reached


def test_every_returned_type_is_exported() -> None:
    reached = _reachable_types()
    names = {factcheck.__dict__.get(n) or getattr(factcheck, n) for n in factcheck.__all__}
    missing = {
        f"{t.__module__}.{t.__qualname__} (from {via})"
        for t, via in reached.items()
        if t not in names
    }
    assert not missing, f"returned by public functions but not importable from factcheck: {missing}"
    # The walk itself must reach what a report holds, or it would pass by finding nothing.
    from factcheck import EvidencePassage, FlagKind, SentenceCheck, Span, Verdicts

    assert {Verdicts, EvidencePassage, SentenceCheck, Span, FlagKind} <= set(reached)
    assert all(
        issubclass(t, (BaseModel, enum.Enum, list, Exception)) or inspect.isclass(t)
        for t in reached
    )


def test_import_factcheck_loads_neither_pydantic_nor_the_sdk() -> None:
    code = (
        "import sys, factcheck\n"
        "heavy = ('pydantic', 'openai', 'tiktoken', 'llama_cpp', 'httpx', 'numpy')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))\n"
        "print(factcheck.__version__)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, version = run.stdout.splitlines()
    assert loaded == "[]", f"import factcheck loaded {loaded}"
    assert version == factcheck.__version__

"""Do the two sides of a check really come from different code? A static reading of the calls.

Every deciding check names the code each side comes from (``Check.sides``: a dotted
importable name first, prose after a space). A check that compares a function with a
reference which quietly calls that function compares it with itself: both sides agree
whatever the function computes. This module reads the bytecode of both sides, follows
every call it can resolve statically into the project (``theory``, ``numerics``, ``paper``,
``proofs_check``), and reports

* a side that reaches the other side's function (the reference calls what it checks), and
* a side whose prose names the library primitive it rests on, e.g.
  ``numerics.hp.flow.time_by_s_integral (mpmath.quad)``, but whose code never reaches it
  (a quadrature that no longer integrates).

What "reaches" covers: calls through module globals, closures, ``self``/``cls`` attributes
of the defining class, class attributes, and decorated functions (``__wrapped__``,
numba's ``py_func``); calls through other objects (an instance in a local variable) are
resolved by name against the classes the walk has met. It is a static over-approximation
of the call graph within those rules, not a proof: a call hidden behind ``getattr`` with a
computed name is not seen.

    >>> crossings(("numerics.hp.flow.flow_time", "numerics.hp.flow.time_by_s_integral (mpmath.quad)"))
    []
"""

from __future__ import annotations

import builtins
import contextlib
import dis
import functools
import importlib
import inspect
import re
import types
from typing import Any

PROJECT = ("theory", "numerics", "paper", "proofs_check")
LIBRARIES = ("mpmath", "sympy", "numpy", "scipy", "flint", "math", "cmath")
_PRIMITIVE = re.compile(r"\b((?:" + "|".join(LIBRARIES) + r")(?:\.\w+)+)")


_MISSING = object()


def _lookup(side: str) -> Any:
    """The object a side's first word names (the longest importable module, then attributes;
    class attributes as defined, not bound), or ``_MISSING``."""
    parts = side.split()[0].split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = inspect.getattr_static(obj, attr) if isinstance(obj, type) else getattr(obj, attr)
        except AttributeError:
            return _MISSING
        return obj
    return _MISSING


def resolve(side: str) -> Any:
    """The object a side's first word names, or None when it names nothing importable."""
    obj = _lookup(side)
    return None if obj is _MISSING else obj


def resolves(side: str) -> bool:
    """Whether a side's first word names importable code (a module, or an attribute of one).

    >>> resolves("numerics.hp.flow.flow_time (at dps)"), resolves("numerics.hp.flow.no_such")
    (True, False)
    """
    return _lookup(side) is not _MISSING


def _function(obj: Any) -> types.FunctionType | None:
    """The plain Python function behind a callable (unwrapping decorators, properties,
    static/class methods, numba dispatchers), or None."""
    for _ in range(20):
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
        elif isinstance(obj, functools.cached_property):
            obj = obj.func
        elif isinstance(obj, types.MethodType):
            obj = obj.__func__
        elif hasattr(obj, "py_func"):
            obj = obj.py_func
        elif hasattr(obj, "__wrapped__"):
            obj = obj.__wrapped__
        else:
            break
    return obj if isinstance(obj, types.FunctionType) else None


def _in_project(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in PROJECT


def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _owner(func: types.FunctionType) -> type | None:
    """The class a method is defined in (from its qualified name), or None."""
    path = func.__qualname__.split(".")[:-1]
    obj: Any = importlib.import_module(func.__module__)
    for name in path:
        if name == "<locals>":
            return None
        obj = getattr(obj, name, None)
    return obj if isinstance(obj, type) else None


def _codes(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _reads(func: types.FunctionType) -> tuple[list[Any], set[str], set[str]]:
    """Objects ``func`` loads (resolved through globals, closures and its class), the dotted
    library names it loads (``mpmath.quad``), and the attribute names it loads on objects
    it cannot resolve."""
    cells = dict(
        zip(func.__code__.co_freevars, [c.cell_contents for c in func.__closure__ or ()], strict=False)
    )
    owner = _owner(func)
    found: list[Any] = []
    dotted: set[str] = set()
    loose: set[str] = set()
    for code in _codes(func.__code__):
        current: Any = None
        text = ""
        for ins in dis.get_instructions(code):
            name = ins.argval if isinstance(ins.argval, str) else None
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and name is not None:
                current = func.__globals__.get(name, getattr(builtins, name, None))
                text = getattr(current, "__name__", name) if isinstance(current, types.ModuleType) else name
            elif ins.opname in ("LOAD_DEREF", "LOAD_CLOSURE") and name in cells:
                current, text = cells[name], name
            elif ins.opname == "LOAD_FAST" and name in ("self", "cls") and owner is not None:
                current, text = owner, name
            elif ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and name is not None:
                if current is None:
                    loose.add(name)
                else:
                    if isinstance(current, type):
                        try:
                            current = inspect.getattr_static(current, name)
                        except AttributeError:
                            current = None
                    else:
                        current = getattr(current, name, None)
                    text = f"{text}.{name}"
                    if text.split(".")[0] in LIBRARIES:
                        dotted.add(text)
                    if current is None:
                        loose.add(name)
            else:
                current, text = None, ""
                continue
            if current is not None:
                found.append(current)
    return found, dotted, loose


def reach(start: Any) -> tuple[set[str], set[str]]:
    """(project functions, library names) reachable from ``start`` by the rules above,
    functions as ``module.qualname``."""
    first = _function(start)
    if first is None or not _in_project(first):
        return set(), set()
    seen: dict[str, types.FunctionType] = {}
    classes: set[type] = set()
    libraries: set[str] = set()
    loose_names: set[str] = set()
    todo = [first]
    while todo:
        func = todo.pop()
        key = _qualified(func)
        if key in seen:
            continue
        seen[key] = func
        owner = _owner(func)
        if owner is not None:
            classes.add(owner)
        found, dotted, loose = _reads(func)
        libraries |= dotted
        loose_names |= loose
        for obj in found:
            if isinstance(obj, type) and _in_project(obj):
                classes.add(obj)
                for special in ("__init__", "__post_init__", "__call__"):
                    f = _function(obj.__dict__.get(special))
                    if f is not None:
                        todo.append(f)
                continue
            f = _function(obj)
            if f is not None and _in_project(f):
                todo.append(f)
        for cls in list(classes):
            for name in loose_names:
                f = _function(cls.__dict__.get(name))
                if f is not None and _qualified(f) not in seen:
                    todo.append(f)
    return set(seen), libraries


@functools.cache
def crossings(sides: tuple[str, str]) -> list[str]:
    """What ties the two sides of one check together: each side that reaches the other side's
    function, and each library primitive a side names (in its prose) but does not reach.
    Empty when the sides are independent by these rules (sides that are not project
    functions, e.g. a constant or a library function, are compared only by the other side's
    reach)."""
    objs = [resolve(s) for s in sides]
    funcs = [_function(o) for o in objs]
    reached = [reach(o) for o in objs]
    problems = []
    for i, j in ((0, 1), (1, 0)):
        target = funcs[j]
        inline = funcs[i] is not None and funcs[i].__module__.startswith("proofs_check.claims")
        if not inline and target is not None and _in_project(target) and _qualified(target) in reached[i][0]:
            problems.append(f"{sides[i].split()[0]} calls {sides[j].split()[0]}")
    for i, side in enumerate(sides):
        prose = " ".join(side.split()[1:])
        for primitive in _PRIMITIVE.findall(prose):
            if funcs[i] is not None and _in_project(funcs[i]) and primitive not in reached[i][1]:
                problems.append(f"{side.split()[0]} names {primitive} but never calls it")
    return problems


def independence_check(claim_id: str, rows: list[Any]) -> Any:
    """One row per claim: how many of its deciding rows have sides tied together (see
    ``crossings``), against 0. Rows that say why their sides share code (``same_code``: a
    precision guard, or a statement that applies one function twice) and measurements are
    skipped; a side in ``proofs_check.claims`` (a prediction typed inline in the claim) is
    not followed into the other side, which that claim function also runs."""
    from proofs_check.claims.base import compared

    examined, problems = 0, []
    for row in rows:
        if row.method == "measurement" or row.sides is None or row.same_code:
            continue
        examined += 1
        found = list(crossings(tuple(row.sides)))
        problems += [f"{row.name}: {p}" for p in found]
    detail = (
        f"{examined} rows read: no side calls the other's function, every named primitive is called"
        if not problems
        else "; ".join(problems)
    )
    return compared(
        f"{claim_id}: the sides of every check are different code (static call graph)",
        "static",
        len(problems),
        0,
        0.5,
        sides=("proofs_check.claims.independence.crossings", "theory.checks.Check (the declared sides)"),
        detail=detail,
        values={"rows_read": examined, "tied_rows": len(problems)},
    )


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("disabled while a check's independent reference runs: the reference called it")


@contextlib.contextmanager
def disabled(*targets: Any):
    """Run a block with the given project functions made to raise: the dynamic twin of
    ``crossings``. A check computes its reference inside ``with disabled(checked): ...`` so
    that a reference which calls the checked function, however indirectly (through a
    dispatcher, a branch, any import name), raises instead of agreeing with it. The code of
    the underlying function object is swapped, so every name bound to it is covered, and
    restored on exit.

    >>> from numerics.hp.flow import flow_time, time_by_s_integral
    >>> with disabled(flow_time):
    ...     round(float(time_by_s_integral([0.5, 0.5], 1, 1)), 12)
    0.549306144334
    """
    funcs = []
    for target in targets:
        func = _function(target)
        if func is None or not _in_project(func) or func.__code__.co_freevars:
            raise ValueError(f"cannot disable {target!r}: not a project function without closure")
        funcs.append((func, func.__code__))
    try:
        for func, _ in funcs:
            func.__code__ = _refuse.__code__
        yield
    finally:
        for func, code in funcs:
            func.__code__ = code

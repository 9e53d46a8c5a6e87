"""Pages of the documentation generated from the code, so that they cannot drift from it.

Run by ``docs/conf.py`` before every build (the outputs are not committed):

* ``claim_pages``: ``families/<letter>.md``, one page per claim family of the registry
  ``proofs_check.claims.CLAIMS`` (T, C, M, X, P, ...: a new family appears by itself; a line in
  ``FAMILY_TITLES`` gives it a title), with each claim's statement, assumptions, methods and
  the command that runs its checks;
* ``gallery_sources``: ``gallery_src/<module>/plot_<name>.py``, one short script per figure of
  ``numerics.figures.registry.entries()`` (a new figure module appears with its one line in
  ``FIGURE_MODULES``), redrawing the shipped ``docs/figures/<name>.npz`` through
  ``plot_<name>`` (or, until a new figure's data is shipped, computing it at its quick sizes
  during the build); and ``gallery_src/paper/`` for the paper's experiments (``PAPER_FIGURES``);
* ``api_pages``: ``api/<package>.md``, every module of ``theory``, ``numerics`` and ``paper``
  through autodoc, with a table of the flat ``numerics`` and ``theory`` names.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import pathlib
import pkgutil
import re
import shutil

DOCS = pathlib.Path(__file__).resolve().parent
FIGURE_DATA = DOCS / "figures"  # the shipped data: <name>.npz, and paper/<figure>.png

FAMILY_TITLES = {  # one line per family; a family without a line is called "Family <letter>"
    "T": "Without normalization (one channel)",
    "C": "With channel normalization (one channel)",
    "M": "Several channels (width k)",
    "X": "Beyond the theory",
    "P": "The paper's experiments",
}
# (claim, module of ``paper``, figure name written by ``proofs_check paper``): one line each
PAPER_FIGURES = (
    ("P1", "histograms", "p1_histograms"),
    ("P2", "step_fit", "p2_step_fit"),
    ("P3", "linear_head", "p3_linear_head"),
    ("P4", "landscape", "p4_landscape"),
    ("P5", "init_grads", "p5_init_grads"),
    ("P6", "deep_decoder", "p6_deep_decoder"),
)
API_PACKAGES = ("theory", "numerics", "paper")
GALLERY_TITLES = {  # a gallery section per figure module; without a line, its module name
    "one_channel": "One channel per layer",
    "width": "Width k: k channels per layer",
    "beyond": "Beyond the theory",
    "cn_depth": "Channel normalization and depth",
}
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#$])")


def md_text(text: str) -> str:
    """Escape Markdown in prose taken from the code (formulas use *, _, | and brackets)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _fresh(folder: pathlib.Path) -> pathlib.Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _write(path: pathlib.Path, text: str) -> None:
    """Write only when changed, so that Sphinx rebuilds only what changed."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------- claims
def families() -> dict[str, list]:
    """The registry's claims grouped by family letter, in registry order, then the families
    that need an extra (``EXTRA_CLAIMS``: the paper's P1-P6, PyTorch)."""
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    out: dict[str, list] = {}
    for claim in (*CLAIMS, *(c for extra in EXTRA_CLAIMS.values() for c in extra)):
        out.setdefault(claim.id[0], []).append(claim)
    return out


def claim_section(claim) -> str:
    run = claim.run
    where = f"{run.__module__}.{run.__name__}"
    path = run.__module__.replace(".", "/") + ".py"
    doc = inspect.getdoc(run)
    lines = [
        f"(claim-{claim.id})=",
        f"## {claim.id}: {md_text(claim.title)}",
        "",
        f"The statement typeset, with its derivation: {{ref}}`{claim.id} on the theory pages <theory-{claim.id}>`.",
        "",
        f"**Statement.** {md_text(claim.statement)}",
        "",
        f"**Assumptions.** {md_text(claim.assumptions)}",
        "",
        f"**Methods.** {md_text(claim.methods)}",
        "",
        f"**Checks.** `{where}` in `{path}`"
        + (f": {md_text(doc)}" if doc else "")
        + ". Each check compares two independent computations and reports its method, measured"
        " discrepancy, tolerance and agreeing digits. To compute them:",
        "",
        "```bash",
        f"proofs_check --only {claim.id} --markdown -",
        "```",
        "",
        *recorded_checks(claim.id),
    ]
    return "\n".join(lines)


#: The shipped reports, so that each claim's page lists its checks with their methods, measured
#: discrepancies, tolerances and values: (which run, file, the one command that regenerates it).
#: The default run's is always shipped; a ``--full`` one where it has been made.
REPORTS = (
    ("default", DOCS / "report.json", "python -m proofs_check --json docs/report.json"),
    ("--full", DOCS / "report-full.json", "python -m proofs_check --full --json docs/report-full.json"),
)


@functools.cache
def recorded(path: pathlib.Path) -> tuple[dict, dict]:
    """(claims by ID, environment) of a shipped report; empty when the file is absent."""
    if not path.exists():
        return {}, {}
    report = json.loads(path.read_text(encoding="utf-8"))
    return {c["id"]: c for c in report["claims"]}, report.get("environment", {})


def _num(v) -> str:
    return "" if v is None else f"{v:.2g}"


def recorded_checks(claim_id: str) -> list[str]:
    """The claim's rows in each shipped report: check, method, status, discrepancy, tolerance,
    digits; then each check's measured values (its ``detail``)."""
    out = []
    for run, path, command in REPORTS:
        claim = recorded(path)[0].get(claim_id)
        if claim is None:
            continue
        env = recorded(path)[1]
        when = f"{env.get('timestamp', '?')[:10]}, version {env.get('version', '?')}, commit {str(env.get('git_commit'))[:10]}"
        out += [
            f"**Recorded {run} run** ({when}; `{command}` regenerates it): status **{claim['status']}**.",
            "",
            "| check | method | status | discrepancy | tolerance | digits |",
            "|---|---|---|---|---|---|",
        ]
        for c in claim["checks"]:
            out.append(
                f"| {md_text(c['name'])} | {c['method']} | {c['status']} | {_num(c['discrepancy'])} "
                f"| {_num(c['tolerance'])} | {_num(c['digits'])} |"
            )
        out.append("")
        out += [f"* *{md_text(c['name'])}*: {md_text(c['detail'])}" for c in claim["checks"] if c["detail"]]
        if claim.get("error"):
            out += ["", f"Error: `{claim['error'].splitlines()[0]}`"]
        out.append("")
    return out


def claim_pages(out: pathlib.Path) -> list[str]:
    """Write ``index.md`` and one page per family into ``out``; return the family letters."""
    out.mkdir(parents=True, exist_ok=True)
    fams = families()
    for stale in out.glob("*.md"):
        if stale.stem != "index" and stale.stem not in fams:
            stale.unlink()
    rows = []
    for letter, claims in fams.items():
        title = FAMILY_TITLES.get(letter, f"Family {letter}")
        ids = ", ".join(c.id for c in claims)
        body = [
            f"# {letter}: {title}",
            "",
            f"Generated from the claim registry (`proofs_check.claims.CLAIMS`): {ids}. "
            "The model and the notation are in [the theory](../theory/model.md), the tests of each claim"
            " in [the claims](../claims.md).",
            "",
            *(claim_section(c) for c in claims),
        ]
        _write(out / f"{letter}.md", "\n".join(body))
        rows.append(f"| [{letter}]({letter}.md) | {title} | {ids} |")
    index = [
        "# Claims by family",
        "",
        "One page per family of the claim registry, generated at every build from",
        "`proofs_check.claims.CLAIMS`. `proofs_check --list` prints the same IDs, and",
        "`proofs_check --only ID` runs one claim's checks.",
        "",
        "| family | subject | claims |",
        "|---|---|---|",
        *rows,
        "",
        "```{toctree}",
        ":hidden:",
        "",
        *fams,
        "```",
        "",
    ]
    _write(out / "index.md", "\n".join(index))
    return list(fams)


# ---------------------------------------------------------------------------- gallery
def _first_paragraph(fn) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n", 1)[0].strip()


def figure_script(module: str, name: str, data_fn, quick: dict, shipped: bool) -> str:
    """The gallery script of one figure. It runs anywhere: beside the documentation's sources
    it redraws the shipped ``docs/figures/<name>.npz``, found relative to the script's own
    folder (never the working folder); a copy elsewhere (downloaded) computes the data at the
    quick sizes of ``proofs_check figures --quick``. Without shipped data it always computes."""
    from rst_escape import escape_text

    summary = escape_text(_first_paragraph(data_fn))
    sizes = ", ".join(f"{k}={v!r}" for k, v in quick.items())
    compute = f"{name}_data({sizes + ', ' if sizes else ''}seed=0)"
    imports = f"from {module} import {name}_data, plot_{name}"
    if shipped:
        how = (
            f"Redrawn from the data shipped with the repository, ``docs/figures/{name}.npz`` (full sizes,\n"
            "seed 0), looked up relative to this script; a copy of the script elsewhere computes the\n"
            f"data at the quick sizes of ``proofs_check figures --quick`` (``{name}_data({sizes})``).\n"
            f"``{name}()`` computes and draws the full sizes at once."
        )
        code = (
            "# this script's folder (sphinx-gallery and Jupyter run in it and set no __file__)\n"
            'here = Path(__file__).parent if "__file__" in globals() else Path.cwd()\n'
            f'shipped = here.parent.parent / "figures" / "{name}.npz"  # docs/figures/\n'
            "if shipped.exists():\n"
            "    data = dict(np.load(shipped))\n"
            "else:  # a copy of this script elsewhere\n"
            f"    data = {compute}"
        )
        imports = f"from pathlib import Path\n\nimport numpy as np\n\n{imports}"
    else:
        how = (
            "Computed here at the quick sizes of ``proofs_check figures --quick`` (seed 0); the\n"
            "full sizes: ``proofs_check figures --out DIR``."
        )
        code = f"data = {compute}"
    title = name
    return f'''r"""
{title}
{"=" * len(title)}

{summary}

{how}
"""

{imports}

{code}
fig = plot_{name}(data)
'''


def paper_script(claim: str, module: str, figure: str) -> str:
    title = f"{claim}: {figure}"
    mod = importlib.import_module(f"paper.{module}") if _has_torch() else None
    from rst_escape import escape_text

    summary = (inspect.getdoc(mod) or "").split("\n\n", 1)[0] if mod else f"The paper's experiment {claim}."
    summary = escape_text(summary)
    return f'''r"""
{title}
{"=" * len(title)}

{summary}

.. image:: /figures/paper/{figure}.png
   :width: 600px
   :alt: {figure}

Drawn by ``proofs_check paper --quick --only {claim} --out figs`` (PyTorch, the extra
``paper``; minutes, so the script is shown and not run here; the image is from that command).
"""

# sphinx_gallery_thumbnail_path = "figures/paper/{figure}.png"
from paper import {module}

{module}.run("figs", quick=True, full=False, {"seed=0" if module in ("histograms", "init_grads") else "seeds=3"})
'''


def _has_torch() -> bool:
    return importlib.util.find_spec("torch") is not None


def gallery_sources(out: pathlib.Path) -> list[str]:
    """One script per registered figure (``plot_*.py``, run at build time from the shipped
    data) and per paper figure (``paper_*.py``, shown, not run); return the sections in
    order (registry order, then the paper), as ``gallery_src/<folder>`` paths."""
    from numerics.figures import registry

    _fresh(out)
    _write(
        out / "README.txt",
        "Gallery\n=======\n\nEvery figure of ``proofs_check figures`` (``numerics.figures``) and of "
        "``proofs_check paper``, each with the script that draws it.\n",
    )
    by_module: dict[str, list] = {}
    for entry in registry.entries():
        by_module.setdefault(entry[1].__module__, []).append(entry)
    for module, entries in by_module.items():
        folder = out / module.rsplit(".", 1)[1]
        folder.mkdir()
        mod = importlib.import_module(module)
        from rst_escape import escape_text

        heading = escape_text((inspect.getdoc(mod) or module).split("\n\n", 1)[0].replace("\n", " "))
        short = module.rsplit(".", 1)[1]
        title = GALLERY_TITLES.get(short, short)
        _write(folder / "README.txt", f"{title}\n{'-' * len(title)}\n\nFrom ``{module}``. {heading}\n")
        for name, data_fn, _plot, quick, _full in entries:
            shipped = (FIGURE_DATA / f"{name}.npz").exists()  # else computed at build time (slower)
            _write(folder / f"plot_{name}.py", figure_script(module, name, data_fn, dict(quick), shipped))
    folder = out / "paper"
    folder.mkdir()
    _write(
        folder / "README.txt",
        "The paper's experiments (P1-P6)\n-------------------------------\n\n"
        "The experiments of Dai & Heckel rerun in PyTorch (``proofs_check paper``).\n",
    )
    for claim, module, figure in PAPER_FIGURES:
        if (FIGURE_DATA / "paper" / f"{figure}.png").exists():
            _write(folder / f"paper_{figure}.py", paper_script(claim, module, figure))
    return [f"{out.name}/{m.rsplit('.', 1)[1]}" for m in by_module] + [f"{out.name}/paper"]


# ---------------------------------------------------------------------------- API
def public_modules(package: str) -> list[str]:
    """The package and its modules (not starting with an underscore), depth first."""
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        if (
            not any(part.startswith("_") for part in info.name.split("."))
            and info.name != f"{package}.__main__"
        ):
            names.append(info.name)
    return names


def home(obj, flat: str) -> str:
    module = getattr(obj, "__module__", None) or flat
    return f"{module}.{getattr(obj, '__qualname__', '')}" if module != flat else ""


def api_row(package: str, name: str, obj) -> str:
    """One row of a package's table: ``package.name`` linking to where the object is documented
    (its defining module's section), and that module; a value (no ``__module__``) as plain text."""
    where = getattr(obj, "__module__", None)
    if not where or where == package or not hasattr(obj, "__qualname__"):
        return f"| `{package}.{name}` | value |"
    return f"| {{py:obj}}`{package}.{name} <{where}.{name}>` | {{py:mod}}`{where}` |"


def api_pages(out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for package in API_PACKAGES:
        pkg = importlib.import_module(package)
        lines = [f"# `{package}`", ""]
        flat = [name for name in getattr(pkg, "__all__", []) if not name.startswith("_")]  # not __version__
        if flat:
            lines += [
                f"Every name of `{package}.__all__`, importable as `{package}.<name>`, with the module "
                "that defines it (each name links to its documentation):",
                "",
                "| name | defined in |",
                "|---|---|",
            ]
            for name in flat:
                lines.append(api_row(package, name, getattr(pkg, name)))
            lines.append("")
        for module in public_modules(package):
            if module == package:
                lines += ["```{eval-rst}", f".. automodule:: {module}", "   :no-members:", "```", ""]
                continue
            lines += [
                f"## `{module}`",
                "",
                "```{eval-rst}",
                f".. automodule:: {module}",
                "   :members:",
                "```",
                "",
            ]
        _write(out / f"{package}.md", "\n".join(lines))
    index = [
        "# API reference",
        "",
        "Every public module of the three packages, from their docstrings: `theory` (the SymPy",
        "model; imports nothing from `numerics`), `numerics` (high precision, simulators, Monte",
        "Carlo, figures, sweeps, benchmarks) and `paper` (the PyTorch experiments, extra `paper`).",
        "The package is typed (`py.typed`).",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *API_PACKAGES,
        "```",
        "",
    ]
    _write(out / "index.md", "\n".join(index))


def generate() -> list[str]:
    """Write every generated page; return the gallery's section order (for conf.py)."""
    claim_pages(DOCS / "families")
    order = gallery_sources(DOCS / "gallery_src")
    api_pages(DOCS / "api")
    return order

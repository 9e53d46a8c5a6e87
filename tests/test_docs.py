"""The documentation is checked like code: the site builds with warnings as errors, every
claim of the registry, every public ``numerics`` name and every figure is in it, its code
blocks run, the names it cites exist, and the README keeps the two commands CI runs."""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from proofs_check.claims.independence import resolves

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MODULES = [
    "theory.networks",
    "theory.channels",
    "numerics",
    "numerics.hp.precise",
    "numerics.hp.constants",
    "numerics.hp.flow",
    "numerics.figures.style",
    "numerics.figures.registry",
    "proofs_check.claims.independence",
]
HAVE_SPHINX = all(
    importlib.util.find_spec(m)
    for m in ("sphinx", "myst_parser", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme")
)
needs_sphinx = pytest.mark.skipif(
    not HAVE_SPHINX, reason="the docs build needs the extra 'docs' (pip install '.[docs]'); CI installs it"
)


def hand_written_pages() -> list[pathlib.Path]:
    """The Markdown pages in docs/ that people write (not the generated ones)."""
    generated = {"_build", "families", "api", "gallery", "gallery_src", "figures"}
    return sorted(p for p in DOCS.rglob("*.md") if not generated & set(p.relative_to(DOCS).parts))


def fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("page", hand_written_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_code_blocks_run(page):
    """Every ```pycon block runs as a doctest (in page order, one namespace per page); every
    ```python block at least compiles."""
    text = page.read_text(encoding="utf-8")
    for block in fenced(text, "python"):
        compile(block, str(page), "exec")
    source = "\n".join(fenced(text, "pycon"))
    if not source:
        return
    test = doctest.DocTestParser().get_doctest(source, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test)
    assert result.attempted > 0 and result.failed == 0


def _test_names() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M))
    return names


@pytest.mark.parametrize("page", hand_written_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_cite_tests_files_and_code_that_exist(page):
    """The pages point to tests, files and functions by name: each must exist (claims.md once
    pointed to tests in files they had left)."""
    text = page.read_text(encoding="utf-8")
    tests = _test_names()
    bad = []
    for name, star in re.findall(r"`(test_\w+?)(\*?)`", text):
        if not (any(t.startswith(name) for t in tests) if star else name in tests):
            bad.append(name + star)
    for path in re.findall(
        r"`((?:tests|numerics|theory|proofs_check|paper|docs)/[\w/.]+?\.(?:py|md|npz|png))", text
    ):
        if not (ROOT / path).exists():
            bad.append(path)
    for dotted in re.findall(r"`((?:theory|numerics|proofs_check|paper)(?:\.\w+)+)`", text):
        if not resolves(dotted):
            bad.append(dotted)
    assert not bad, f"{page.name} cites what does not exist: {bad}"


# ------------------------------------------------------------------------ the built site
def sphinx_build(out: pathlib.Path, *options: str, env: dict | None = None) -> None:
    """The documented build (README, docs/conf.py) from scratch into ``out``, warnings as errors."""
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-E",
        "-b",
        "html",
        *options,
        str(DOCS),
        str(out),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "MdParserConfig" not in done.stdout + done.stderr  # no configuration dump in the log


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> pathlib.Path:
    """Build the site once, from scratch, with warnings as errors (the documented command), in
    the environment CI has (the extras test, paper, docs: torch importable)."""
    if not HAVE_SPHINX:
        pytest.skip("the docs build needs the extra 'docs' (pip install '.[docs]'); CI installs it")
    out = tmp_path_factory.mktemp("site")
    sphinx_build(out)
    return out


#: Put first on PYTHONPATH, it makes torch and scikit-image unimportable (tests/without_torch).
WITHOUT_TORCH = pathlib.Path(__file__).with_name("without_torch")


def conf_value(name: str):
    """A literal setting of docs/conf.py, read without running it (running it generates pages)."""
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(name)


def pages_without_torch() -> list[str]:
    """The pages that neither import torch nor ask whether it is there: the hand-written ones
    (but the landing page) and the API pages of ``theory`` and ``numerics``. The rest, built
    without torch by ``site_without_torch``: the landing page, the API of ``paper`` (autodoc
    imports its modules), the claim pages (the P family) and the gallery (its paper section)."""
    hand = [
        p.relative_to(DOCS).as_posix()
        for p in hand_written_pages()
        if p != DOCS / "index.md" and p.parent != DOCS / "theory"  # the claim pages link to these
    ]
    return hand + [f"api/{package}.md" for package in _gen().API_PACKAGES if package != "paper"]


@pytest.fixture(scope="module")
def site_without_torch(tmp_path_factory) -> pathlib.Path:
    """The build after ``pip install ".[docs]"`` alone: torch and scikit-image cannot be imported
    (a path finder on PYTHONPATH hides them, ``tests/without_torch/sitecustomize.py``), warnings
    as errors. To keep the suite short (one full build takes about 45 s of CPU), it leaves out
    the pages that do not touch torch (``pages_without_torch``; ``site`` builds them) and does
    not run the gallery's scripts (they import ``numerics`` only; ``site`` runs them). The only
    warnings let through are the references to the pages left out."""
    if not HAVE_SPHINX:
        pytest.skip("the docs build needs the extra 'docs' (pip install '.[docs]'); CI installs it")
    out = tmp_path_factory.mktemp("site_without_torch")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WITHOUT_TORCH), str(ROOT)])}
    sphinx_build(
        out,
        "-D",
        "plot_gallery=0",
        "-D",
        "exclude_patterns=" + ",".join([*conf_value("exclude_patterns"), *pages_without_torch()]),
        "-D",
        "suppress_warnings=toc.excluded,toc.not_readable,myst.xref_missing",
        env=env,
    )
    return out


def _text(path: pathlib.Path) -> str:
    """The page's visible text (tags dropped, entities decoded)."""
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@needs_sphinx
def test_docs_build_with_warnings_as_errors(site):
    assert (site / "index.html").exists()
    for page in ("getting-started", "claims", "derivations", "findings", "families/index", "api/index"):
        assert (site / f"{page}.html").exists(), page


@needs_sphinx
def test_every_claim_of_the_registry_has_its_section_and_command(site):
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    for claim in (*CLAIMS, *(c for extra in EXTRA_CLAIMS.values() for c in extra)):
        page = (site / "families" / f"{claim.id[0]}.html").read_text(encoding="utf-8")
        assert f'id="claim-{claim.id.lower()}"' in page, claim.id  # the anchor docs link to
        assert f"proofs_check --only {claim.id} " in _text(site / "families" / f"{claim.id[0]}.html"), (
            claim.id
        )


@needs_sphinx
def test_every_public_name_of_numerics_and_theory_is_in_the_api_reference(site):
    import numerics
    import theory

    for package in (numerics, theory):
        page = _text(site / "api" / f"{package.__name__}.html")
        missing = [
            name
            for name in package.__all__
            if not name.startswith("_") and f"{package.__name__}.{name}" not in page
        ]
        assert not missing, missing


@needs_sphinx
def test_every_registered_figure_is_in_the_gallery_with_its_script(site):
    from numerics.figures import registry

    for name, data_fn, *_ in registry.entries():
        page = site / "gallery" / data_fn.__module__.rsplit(".", 1)[1] / f"plot_{name}.html"
        assert "<img" in page.read_text(encoding="utf-8"), name
        assert f"plot_{name}(data)" in _text(page), name
    for _claim, _module, figure in _gen().PAPER_FIGURES:  # shown with their script, not run
        page = site / "gallery" / "paper" / f"paper_{figure}.html"
        assert f"{figure}.png" in page.read_text(encoding="utf-8") and ".run(" in _text(page), figure


# ------------------------------------------------------------------------ README and CI
def readme_commands() -> list[str]:
    return fenced(README.read_text(encoding="utf-8"), "bash")[:2]


def test_readme_is_short_and_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    main, tests = (c.strip() for c in readme_commands())
    assert main.endswith("proofs_check --json report.json --markdown report.md") and "pip install ." in main
    assert tests.endswith("python -m pytest -q") and '".[test,paper,docs,dask]"' in tests
    first_blocks = text.index("```bash")
    assert first_blocks < text.index("\n## ")  # the commands come first


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1].strip() in ci.splitlines()


def test_readme_links_into_the_docs_exist():
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / target).exists(), target


def test_help_lists_every_claim_family_of_the_registry():
    """Generated from the registry, the extras' claims (P1-P6) too."""
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    CLAIMS = (*CLAIMS, *(c for extra in EXTRA_CLAIMS.values() for c in extra))  # noqa: N806

    out = subprocess.run(
        [sys.executable, "-m", "proofs_check", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    for family in sorted({c.id[0] for c in CLAIMS}):
        numbers = sorted(int(c.id[1:]) for c in CLAIMS if c.id[0] == family)
        assert f"{family}{numbers[0]}" in text and f"{family}{numbers[-1]}" in text, family


# ------------------------------------------------------------------------ the theory pages
def theory_statements() -> dict[str, str]:
    """Claim ID -> the text of its section on the theory pages (docs/theory/*.md): a label
    ``(theory-ID)=`` followed by a heading that names the ID, up to the next heading of that level."""
    out = {}
    for page in sorted((DOCS / "theory").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        pattern = r"^\(theory-(\w+)\)=\n+#+ ([^\n]*)\n(.*?)(?=^\(theory-|^#{1,2} |\Z)"
        for cid, heading, body in re.findall(pattern, text, flags=re.S | re.M):
            assert cid in heading, f"{page.name}: the label theory-{cid} heads a section about {heading!r}"
            assert cid not in out, f"{cid} is stated twice: {page.name}"
            out[cid] = body
    return out


def test_every_claim_of_the_registry_has_a_statement_on_a_theory_page():
    """The theory pages state every claim of the registry (P1-P6 included), each with its
    statement and where it is checked."""
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    ids = {c.id for c in (*CLAIMS, *(c for extra in EXTRA_CLAIMS.values() for c in extra))}
    stated = theory_statements()
    assert not ids - set(stated), f"claims without a statement in docs/theory: {sorted(ids - set(stated))}"
    for cid in ids:
        assert "**Statement.**" in stated[cid] and "**Where checked.**" in stated[cid], cid


def test_docstring_escaping_leaves_a_math_directive_body_alone():
    """The API pages escape ``|`` and ``*`` in docstring prose, but not inside a ``.. math::``
    block of a numpydoc Notes section (``\\lvert`` and ``\\star`` would still work; ``\\|`` would not)."""
    sys.path.insert(0, str(DOCS))
    try:
        from rst_escape import escape_lines
    finally:
        sys.path.remove(str(DOCS))
    lines = [
        "Notes",
        "-----",
        "The norm |x| and a * b",
        "",
        ".. math::",
        "",
        "    |x| * y = z_k",
        "",
        "After |x|.",
    ]
    out = escape_lines(lines)
    assert out[2] == r"The norm \|x\| and a \* b" and out[-1] == r"After \|x\|."
    assert out[6] == "    |x| * y = z_k"


# ------------------------------------------------------------------------ without torch
def test_the_path_finder_hides_torch_from_a_subprocess():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WITHOUT_TORCH), str(ROOT)])}
    code = "import importlib.util as u, numerics, paper.histograms; print(u.find_spec('torch')); import torch"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "None" and "ModuleNotFoundError: No module named 'torch'" in done.stderr


@needs_sphinx
def test_docs_build_without_torch(site_without_torch):
    """``pip install ".[docs]"`` alone, then the documented build: it passes with -W (it once
    stopped on the paper's modules), and the paper's API is documented from its docstrings."""
    page = _text(site_without_torch / "api" / "paper.html")
    for name in ("paper.deep_decoder", "paper.histograms", "paper.nets", "paper.deep_decoder.run"):
        assert name in page, name
    assert (site_without_torch / "families" / "P.html").exists()
    assert "deep_decoder.run(" in _text(site_without_torch / "gallery/paper/paper_p6_deep_decoder.html")


# ------------------------------------------------------------------------ the shipped report
#: The one command that regenerates the shipped report (docs/getting-started.md says it too).
REPORT_COMMAND = "python -m proofs_check --json docs/report.json"


def shipped_reports() -> list[pathlib.Path]:
    return [p for p in (DOCS / "report.json", DOCS / "report-full.json") if p.exists()]


def test_the_default_report_is_shipped_and_regenerated_by_one_documented_command():
    assert (DOCS / "report.json").exists()
    assert REPORT_COMMAND in (DOCS / "getting-started.md").read_text(encoding="utf-8")
    ignored = subprocess.run(["git", "check-ignore", "-q", "docs/report.json"], cwd=ROOT, timeout=30)
    assert ignored.returncode == 1, ".gitignore must not match docs/report.json"


@pytest.mark.parametrize("path", shipped_reports(), ids=lambda p: p.name)
def test_shipped_report_has_exactly_the_claims_of_the_registry(path):
    """The claim pages show this report: a claim the registry dropped, renamed or reworded, or
    one it gained, makes it stale (then run the command in REPORT_COMMAND, with --full for
    report-full.json). Its checks against the registry's: tests/claims/test_can_fail.py."""
    from proofs_check.claims import CLAIMS, EXTRA_CLAIMS

    report = json.loads(path.read_text(encoding="utf-8"))
    known = {c.id: c for c in (*CLAIMS, *(c for extra in EXTRA_CLAIMS.values() for c in extra))}
    ids = [c["id"] for c in report["claims"]]
    assert report["environment"]["full"] == (path.name == "report-full.json")
    assert not set(ids) - set(known), f"{path.name} has claims the registry no longer has: regenerate it"
    if path.name == "report.json":  # the default run: every claim of CLAIMS, in order
        assert ids == [c.id for c in CLAIMS], f"{path.name} is stale: {REPORT_COMMAND}"
    for recorded in report["claims"]:
        claim = known[recorded["id"]]
        for field in ("title", "statement", "assumptions", "methods"):
            assert recorded[field] == getattr(claim, field), (f"{path.name} is stale", claim.id, field)


@needs_sphinx
def test_claim_pages_show_the_shipped_numbers(site):
    report = json.loads((DOCS / "report.json").read_text(encoding="utf-8"))
    for claim in report["claims"][:: max(1, len(report["claims"]) // 6)]:
        page = _text(site / "families" / f"{claim['id'][0]}.html")
        assert "Recorded default run" in page and REPORT_COMMAND in page, claim["id"]
        assert " ".join(claim["checks"][0]["name"].split()) in " ".join(page.split()), claim["id"]


# ------------------------------------------------------------------------ gallery
def _gen():
    """docs/gen.py, with docs/ on the path (last) for the modules it imports beside it."""
    if str(DOCS) not in sys.path:
        sys.path.append(str(DOCS))
    import gen

    return gen


@pytest.fixture(scope="module")
def gallery_copy(tmp_path_factory) -> pathlib.Path:
    """The gallery's scripts as the build writes them, in a folder of their own beside the
    shipped data: ``<tmp>/docs/gallery_src/<module>/plot_*.py`` and ``<tmp>/docs/figures``."""
    docs = tmp_path_factory.mktemp("gallery") / "docs"
    docs.mkdir()
    (docs / "figures").symlink_to(DOCS / "figures", target_is_directory=True)
    _gen().gallery_sources(docs / "gallery_src")
    return docs / "gallery_src"


def test_every_gallery_script_runs_from_any_working_folder(gallery_copy, tmp_path, monkeypatch):
    """Each figure's script finds the shipped data relative to its own file, not the working
    folder (the paper's scripts, ``paper_*.py``, run PyTorch for minutes: shown, not run)."""
    import runpy

    from matplotlib.figure import Figure

    monkeypatch.chdir(tmp_path)
    scripts = sorted(gallery_copy.glob("*/plot_*.py"))
    assert len(scripts) == len(_registry_names())
    for script in scripts:
        ns = runpy.run_path(str(script))
        assert isinstance(ns["fig"], Figure), script.name
        assert "shipped" not in ns or ns["shipped"].exists(), script.name  # redrawn, not recomputed


def test_a_downloaded_gallery_script_computes_its_data(gallery_copy, tmp_path, monkeypatch):
    """A copy of a script with no data beside it computes the figure at the quick sizes."""
    import runpy

    script = tmp_path / "plot_cn_gradient_bound.py"
    script.write_text((gallery_copy / "one_channel" / script.name).read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    ns = runpy.run_path(str(script))
    assert not ns["shipped"].exists() and ns["data"]["grad_d1"].size > 0


def _registry_names() -> list[str]:
    from numerics.figures import registry

    return [name for name, *_ in registry.entries()]


# ------------------------------------------------------------------------ pages
@needs_sphinx
def test_no_page_shows_an_empty_section_navigation(site):
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if "Section Navigation" in text:
            nav = text.split("Section Navigation", 1)[1].split("</nav>", 1)[0]
            assert "<a" in nav, page.relative_to(site)
    assert "Section Navigation" not in (site / "findings.html").read_text(encoding="utf-8")
    assert "Section Navigation" in (site / "families" / "T.html").read_text(encoding="utf-8")


@needs_sphinx
def test_the_api_tables_link_every_name_and_list_no_dunder(site):
    import numerics

    html = (site / "api" / "numerics.html").read_text(encoding="utf-8")
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)[1:]  # after the header
    names = [n for n in numerics.__all__ if not n.startswith("_")]
    assert len(rows) == len(names) and "__version__" not in table
    for name, row in zip(names, rows):
        first_cell = row.split("</td>", 1)[0]
        assert "<a " in first_cell and f"numerics.{name}" in _strip(first_cell), name


def _strip(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_getting_started_counts_the_figures_that_proofs_check_figures_makes():
    from numerics.figures import registry

    text = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    counted = re.search(r"proofs_check figures --out DIR \[--quick\] +# (\d+) figures \(([^)]*)\)", text)
    assert counted, "the figures line of the command-line block"
    modules = [m.__name__ for m in registry.modules()]
    per_module = [len(m.FIGURES) for m in registry.modules()]
    assert int(counted.group(1)) == len(registry.entries()), (counted.group(0), modules)
    assert [int(n) for n in re.findall(r"(\d+) ", counted.group(2))] == per_module, (
        counted.group(0),
        modules,
    )


def test_user_pages_carry_no_one_machine_words():
    """No wheel folder, pip configuration, 'here' or load figure of the development machine in
    the pages a user reads first; the machine behind the times is stated once, in the speed guide."""
    for page in (DOCS / "getting-started.md", DOCS / "guides" / "speed.md"):
        text = page.read_text(encoding="utf-8")
        for phrase in ("/opt/", "on disk", "pip config", " here)", " here,", " here.", "load 3"):
            assert phrase not in text, (page.name, phrase)

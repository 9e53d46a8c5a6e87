"""The documentation is checked like code: the site builds with warnings as errors, every
claim of the registry, every public ``numerics`` name and every figure is in it, its code
blocks run, the names it cites exist, and the README keeps the two commands CI runs."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
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
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> pathlib.Path:
    """Build the site once, from scratch, with warnings as errors (the documented command)."""
    if not HAVE_SPHINX:
        pytest.skip("the docs build needs the extra 'docs' (pip install '.[docs]'); CI installs it")
    out = tmp_path_factory.mktemp("site")
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
        str(DOCS),
        str(out),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
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
        missing = [name for name in package.__all__ if f"{package.__name__}.{name}" not in page]
        assert not missing, missing


@needs_sphinx
def test_every_registered_figure_is_in_the_gallery_with_its_script(site):
    from numerics.figures import registry

    for name, data_fn, *_ in registry.entries():
        page = site / "gallery" / data_fn.__module__.rsplit(".", 1)[1] / f"plot_{name}.html"
        assert "<img" in page.read_text(encoding="utf-8"), name
        assert f"plot_{name}(data)" in _text(page), name
    sys.path.insert(0, str(DOCS))
    try:
        import gen
    finally:
        sys.path.remove(str(DOCS))
    for _claim, _module, figure in gen.PAPER_FIGURES:  # shown with their script, not run
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
    from proofs_check.claims import CLAIMS

    out = subprocess.run(
        [sys.executable, "-m", "proofs_check", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    for family in sorted({c.id[0] for c in CLAIMS}):
        numbers = sorted(int(c.id[1:]) for c in CLAIMS if c.id[0] == family)
        assert f"{family}{numbers[0]}" in text and f"{family}{numbers[-1]}" in text, family

"""What a research compendium carries besides its code, checked against independent sources:

- one version number, shown alike by the installed metadata, ``synth --version``, CITATION.cff
  and the report's RO-Crate;
- LICENSE (MIT, as the README says);
- CITATION.cff, validated against the CFF 1.2.0 JSON schema (``tests/data/cff-schema-1.2.0.json``,
  the ``schema.json`` of tag 1.2.0 of the citation-file-format repository, SHA-256
  0b8d2214...cc169b), citing the paper the report cites;
- codecheck.yml (CODECHECK configuration 1.0) against what ``synth report`` writes;
- ``ro-crate-metadata.json`` of the rendered report: JSON-LD that expands without losing a
  property under the RO-Crate 1.1 context (``tests/data/ro-crate-1.1-context.jsonld``, from the
  RO-Crate specification's repository, ``docs/_specification/1.1/context.jsonld``), that the
  ``rocrate`` library reads back, every data entity a file with its SHA-256;
- .pre-commit-config.yaml running the lock file's ruff and mypy;
- ``preview.tex`` of the manuscript folder compiled to PDF by pdflatex, with characters the fonts
  lack shown boxed as code points.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
import yaml

import synth
from conftest import RAW, ROOT
from synth import ReportError
from synth.cli import main
from synth.crate import CRATE_NAME, source_date, write_crate
from synth.io import CodedData, write_coded_data
from synth.manuscript import TEX_PACKAGES, compile_preview
from synth.published import load_paper

DATA = Path(__file__).parent / "data"
CONTEXT_1_1 = "https://w3id.org/ro/crate/1.1/context"
HAS_PDFLATEX = shutil.which("pdflatex") is not None
needs_pdflatex = pytest.mark.skipif(
    not HAS_PDFLATEX,
    reason=f"pdflatex is not installed (Debian: apt-get install {' '.join(TEX_PACKAGES)})",
)
#: Media types by suffix, as IANA registers them (ipynb: Jupyter's documented type).
MEDIA_TYPES = {
    ".png": "image/png", ".svg": "image/svg+xml", ".pdf": "application/pdf", ".csv": "text/csv",
    ".txt": "text/plain", ".html": "text/html", ".ipynb": "application/x-ipynb+json",
    # the manuscript's files (IANA media types; TeX's has no registered type)
    ".md": "text/markdown", ".tex": "application/x-tex", ".json": "application/json",
    ".tiff": "image/tiff",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

#: The paper the compendium reproduces, from its published record (paper.toml).
PAPER_CITATION = load_paper().citation
PAPER_DOI = load_paper().doi


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.strip().split("==", 1)
            pins[name.lower().replace("_", "-")] = version
    return pins


def _citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def crate(shipped_report: Path) -> dict:
    """The shipped report's RO-Crate, as JSON."""
    return json.loads((shipped_report / CRATE_NAME).read_text(encoding="utf-8"))


def _graph(document: dict) -> dict[str, dict]:
    return {entity["@id"]: entity for entity in document["@graph"]}


def _ids(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v["@id"] for v in values]


# --- the version ---------------------------------------------------------------------------------


def test_every_place_that_shows_the_version_agrees(crate: dict) -> None:
    from packaging.version import Version

    version = synth.__version__
    Version(version)  # a PEP 440 version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "synth.__version__"}
    assert importlib.metadata.version("synth") == version, "installed metadata is stale: make env"
    out = subprocess.run([sys.executable, "-m", "synth.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"synth {version}"
    assert _citation()["version"] == version
    software = _graph(crate)["#synth"]
    assert software["@type"] == "SoftwareApplication" and software["version"] == version


def test_licence_is_mit_everywhere() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    assert _citation()["license"] == "MIT"
    assert "Code: MIT" in (ROOT / "README.md").read_text(encoding="utf-8")


# --- CITATION.cff --------------------------------------------------------------------------------


def _cff_validator():
    from jsonschema import Draft7Validator

    schema = json.loads((DATA / "cff-schema-1.2.0.json").read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def test_citation_cff_is_valid_cff_1_2_0() -> None:
    validator = _cff_validator()
    cff = _citation()
    errors = sorted(validator.iter_errors(cff), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
    # the validator is not vacuous: the same file with a defect fails
    broken = {k: v for k, v in cff.items() if k != "authors"}
    assert any("authors" in e.message for e in validator.iter_errors(broken))
    assert list(validator.iter_errors({**cff, "references": [{"type": "article"}]}))
    assert list(validator.iter_errors({**cff, "license": "MIT-ish"}))


def test_citation_cff_cites_the_paper_the_report_reproduces() -> None:
    cff = _citation()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    # the compendium is cited as itself; the paper's authors did not write it, so the paper is
    # a reference, not the preferred citation
    assert "preferred-citation" not in cff
    (paper,) = [r for r in cff["references"] if r.get("doi") == PAPER_DOI]
    assert paper["type"] == "article" and paper["year"] == 2024 and paper["volume"] == 23
    assert " ".join(paper["title"].split()) in PAPER_CITATION
    assert paper["journal"] in PAPER_CITATION
    families = [a["family-names"] for a in paper["authors"]]
    assert families == ["Thomson", "Waterson", "Chatterjee"]
    assert PAPER_CITATION.startswith("Thomson LJM, Waterson H, Chatterjee HJ.")


# --- codecheck.yml -------------------------------------------------------------------------------


def _codecheck() -> dict:
    return yaml.safe_load((ROOT / "codecheck.yml").read_text(encoding="utf-8"))


def test_codecheck_yml_follows_the_configuration_spec() -> None:
    text = (ROOT / "codecheck.yml").read_text(encoding="utf-8")
    assert re.match(r"(%YAML 1\.\d\n)?---\n", re.sub(r"^#.*\n", "", text, flags=re.M))
    config = _codecheck()
    assert config["version"] == "https://codecheck.org.uk/spec/config/1.0/"
    paper = config["paper"]
    assert paper["reference"] == f"https://doi.org/{PAPER_DOI}"
    assert " ".join(paper["title"].split()) in PAPER_CITATION
    assert paper["authors"] and all(a["name"].strip() for a in paper["authors"])
    files = [item["file"] for item in config["manifest"]]
    assert len(files) == len(set(files)), "a manifest entry repeats"
    for item in config["manifest"]:
        assert set(item) <= {"file", "comment"} and item["comment"].strip(), item
        assert not Path(item["file"]).is_absolute() and ".." not in Path(item["file"]).parts
        assert item["file"].startswith(("reports/", "figures/")), "only what make report writes"


def test_codecheck_manifest_matches_what_the_report_writes(shipped_report: Path) -> None:
    """``make report`` writes reports/ and figures/; the fixture renders the same into a report
    folder with figures/ beside it."""
    where = {"reports": shipped_report, "figures": shipped_report.parent / "figures"}
    manifest = {item["file"]: item["comment"] for item in _codecheck()["manifest"]}
    for name in manifest:
        top, rest = name.split("/", 1)
        assert (where[top] / rest).is_file(), f"codecheck.yml lists {name}, which is not written"
    figures = sorted(p.name for p in where["figures"].glob("fig*.png"))
    assert len(figures) == 8
    tables = sorted(p.name for p in (shipped_report / "tables").iterdir()
                    if re.fullmatch(r"(table|appendix)\d+\.csv", p.name))
    assert len(tables) == 10  # Tables 1-9 and Appendix 1
    expected = {f"figures/{n}" for n in figures} | {f"reports/tables/{n}" for n in tables} | {
        "reports/report.html", f"reports/{CRATE_NAME}"}
    assert expected <= set(manifest), f"missing from codecheck.yml: {sorted(expected - set(manifest))}"
    for name, comment in manifest.items():
        if m := re.search(r"(fig|table)(\d+)\.", name):
            label = {"fig": "Figure", "table": "Table"}[m.group(1)]
            assert comment.startswith(f"{label} {m.group(2)}"), (name, comment)


# --- the RO-Crate --------------------------------------------------------------------------------


def _expand(document: dict) -> list[dict]:
    """JSON-LD expansion with the RO-Crate 1.1 context from tests/data; any other remote
    document is refused, so nothing is fetched."""
    from pyld import jsonld

    context = json.loads((DATA / "ro-crate-1.1-context.jsonld").read_text(encoding="utf-8"))

    def loader(url: str, options: dict | None = None) -> dict:
        if url != CONTEXT_1_1:
            raise AssertionError(f"the crate needs a remote document: {url}")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": context}

    return jsonld.expand(document, {"documentLoader": loader})


def test_crate_is_json_ld_that_loses_no_property(crate: dict) -> None:
    assert crate["@context"][0] == CONTEXT_1_1
    expanded = _expand(crate)
    assert len(expanded) == len(crate["@graph"])
    kept = sum(len([k for k in node if not k.startswith("@")]) for node in expanded)
    given = sum(len([k for k in node if not k.startswith("@")]) for node in crate["@graph"])
    assert kept == given, "a property is not defined by the context and was dropped"
    sha = "http://schema.org/sha256"
    assert sum(sha in node for node in expanded) > 80
    # the check is not vacuous: without the extra term, sha256 is dropped
    bare = {**crate, "@context": CONTEXT_1_1}
    assert not any(sha in node for node in _expand(bare))


def test_crate_describes_every_output_with_format_and_checksum(shipped_report: Path,
                                                               crate: dict) -> None:
    from rocrate.rocrate import ROCrate

    back = ROCrate(shipped_report)
    described = {entity.id for entity in back.data_entities}
    written = {p.relative_to(shipped_report).as_posix() for p in shipped_report.rglob("*")
               if p.is_file() and not any(part.startswith(".") for part in
                                          p.relative_to(shipped_report).parts)
               } - {CRATE_NAME, "SHA256SUMS"}
    assert described == written
    assert {"report.html", "figures/fig1.png", "tables/table9.csv",
            "notebooks/30_audit.ipynb"} <= described
    graph = _graph(crate)
    descriptor = graph[CRATE_NAME]
    assert descriptor["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    for rel in described:
        entity = graph[rel]
        path = shipped_report / rel
        assert entity["@type"] == "File"
        assert entity["sha256"] == _sha256(path), rel
        assert entity["contentSize"] == str(path.stat().st_size), rel
        assert entity["encodingFormat"] == MEDIA_TYPES[path.suffix], rel
    assert graph["figures/fig3.png"]["description"] == "Figure 3"
    assert graph["figures/fig3.csv"]["description"] == "The numbers plotted in Figure 3"
    assert graph["tables/table4.csv"]["description"] == "Table 4"
    assert graph["tables/appendix1.csv"]["description"] == "Appendix 1"
    # SHA256SUMS is written after the crate and lists it
    sums = (shipped_report / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"{_sha256(shipped_report / CRATE_NAME)}  {CRATE_NAME}\n" in sums


def test_crate_records_inputs_software_and_paper(crate: dict) -> None:
    graph = _graph(crate)
    root = graph["./"]
    assert root["citation"] == {"@id": f"https://doi.org/{PAPER_DOI}"}
    paper = graph[f"https://doi.org/{PAPER_DOI}"]
    assert paper["@type"] == "ScholarlyArticle" and paper["name"] == PAPER_CITATION
    (action,) = [e for e in graph.values() if e["@type"] == "CreateAction"]
    assert _ids(root["mentions"]) == [action["@id"]]
    assert _ids(action["instrument"]) == ["#synth"]
    assert set(_ids(action["result"])) == set(_ids(root["hasPart"]))
    inputs = {graph[i]["name"]: graph[i] for i in _ids(action["object"])}
    raw = {f"data/{p.relative_to(RAW).as_posix()}": p for p in RAW.rglob("*")
           if p.is_file() and not p.name.startswith(".") and p.name != "identifiers.txt"}
    assert set(inputs) == set(raw)
    assert {"data/coded_segments.csv", "data/codebook.csv", "data/published/claims.csv"} <= set(raw)
    for name, entity in inputs.items():
        assert entity["@id"].startswith("#input/") and entity["@type"] == "File"
        assert entity["sha256"] == _sha256(raw[name]), name
    lock = graph[graph["#synth"]["softwareRequirements"]["@id"]]
    assert lock["name"] == "requirements.lock"
    assert lock["sha256"] == _sha256(ROOT / "requirements.lock")


def _folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "table2.csv").write_text("theme\nA\n", encoding="utf-8")
    (out / "report.html").write_text("<p>r</p>\n", encoding="utf-8")
    return out


def _write(out: Path, inputs: list[tuple[str, Path]], date: str | None = None) -> Path:
    return write_crate(out, ["report.html", "tables/table2.csv"], inputs, paper_doi="10.1000/x",
                       paper_citation="A paper.", version="9.9", date=date)


def test_crate_date_comes_from_source_date_epoch_never_the_clock(tmp_path: Path,
                                                                 monkeypatch) -> None:
    out = _folder(tmp_path)
    data = tmp_path / "in.csv"
    data.write_text("x\n", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1722470400")  # 2024-08-01 00:00:00 UTC
    assert source_date(None) == "2024-08-01T00:00:00+00:00"
    first = _write(out, [("in.csv", data)], source_date(None)).read_bytes()
    second = _write(out, [("in.csv", data)], source_date(None)).read_bytes()
    assert first == second
    root = _graph(json.loads(first))["./"]
    assert root["datePublished"] == "2024-08-01T00:00:00+00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert source_date(None) is None and source_date(tmp_path) is None  # not a git checkout
    undated = json.loads(_write(out, [("in.csv", data)]).read_bytes())
    assert "datePublished" not in _graph(undated)["./"]
    assert "endTime" not in _graph(undated)["#render"]
    assert sorted(p.name for p in out.iterdir()) == sorted([CRATE_NAME, "report.html", "tables"])


def test_crate_refuses_missing_files_and_writes_nothing(tmp_path: Path) -> None:
    out = _folder(tmp_path)
    with pytest.raises(ReportError, match=r"missing\.csv: not an output file"):
        write_crate(out, ["missing.csv"], [], paper_doi="10.1000/x", paper_citation="A.",
                    version="9.9")
    with pytest.raises(ReportError, match="input file not found"):
        _write(out, [("gone.csv", tmp_path / "gone.csv")])
    data = tmp_path / "in.csv"
    data.write_text("x\n", encoding="utf-8")
    with pytest.raises(ReportError, match="appears twice"):
        _write(out, [("in.csv", data), ("in.csv", data)])
    assert not (out / CRATE_NAME).exists()
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "tables"]


# --- pre-commit ----------------------------------------------------------------------------------


def _hooks() -> dict[str, dict]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: {**hook, "repo": repo["repo"]}
            for repo in config["repos"] for hook in repo["hooks"]}


def test_pre_commit_runs_the_suites_ruff_and_mypy_at_the_locks_versions() -> None:
    hooks = _hooks()
    assert set(hooks) == {"ruff", "mypy"}
    assert all(h["repo"] == "local" and h["language"] == "system" for h in hooks.values())
    # the project's environment (.venv/, built from requirements.lock) runs them, with the
    # arguments of tests/test_quality.py and the settings of pyproject.toml
    assert hooks["ruff"]["entry"].split() == [".venv/bin/python", "-m", "ruff", "check"]
    assert hooks["mypy"]["entry"].split() == [".venv/bin/python", "-m", "mypy",
                                              "--no-error-summary", "src/synth"]
    assert hooks["mypy"]["pass_filenames"] is False
    ruff_files = re.compile(hooks["ruff"]["files"])
    for checked in ("src/synth/io.py", "tests/test_io.py", "tools/sync_environment.py",
                    "benchmarks/run.py"):
        assert ruff_files.search(checked), checked
    assert not ruff_files.search("notebooks/helper.py")
    assert re.search(hooks["mypy"]["files"], "src/synth/io.py")
    pins = _lock_pins()
    for tool in ("ruff", "mypy", "pre-commit"):
        assert importlib.metadata.version(tool) == pins[tool], f"{tool}: .venv differs from the lock"
    check = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config",
                            str(ROOT / ".pre-commit-config.yaml")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_ruff_hook_fails_on_a_lint_error_and_passes_once_fixed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    shutil.copy(ROOT / "pyproject.toml", repo)
    python = repo / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    bad = repo / "src" / "module.py"
    bad.write_text("import os\n", encoding="utf-8")  # F401: imported but unused
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=repo, env=env, capture_output=True, text=True)

    assert run("git", "init", "-q").returncode == 0
    assert run("git", "add", "-A").returncode == 0
    hook = [sys.executable, "-m", "pre_commit", "run", "ruff", "--all-files"]
    failed = run(*hook)
    assert failed.returncode == 1 and "F401" in failed.stdout, failed.stdout + failed.stderr
    bad.write_text("import os\n\nprint(os.sep)\n", encoding="utf-8")
    run("git", "add", "-A")
    passed = run(*hook)
    assert passed.returncode == 0, passed.stdout + passed.stderr


# --- the LaTeX preview ---------------------------------------------------------------------------

#: Words pdflatex can set with T1 and Times: curly quotes, dashes, accents, pound, NBSP, ellipsis.
LATIN = "“We’re – in Zoë’s café — naïve Ørsted, Łódź, £5…” ½ ü ß"
#: Words it cannot: Greek, Cyrillic, CJK and an emoji, each character boxed as its code point.
OTHER = "Σωκράτης Жанна 王小明 😀"


def _unicode_data() -> CodedData:
    segments = pd.DataFrame({
        "segment_id": ["S1", "S2", "S3", "S4"],
        "focus_group": ["FG1", "FG1", "FG2", "FG2"],
        "question": [1, 1, 1, 2],
        "participant_id": ["P1", "P2", "P3", "P3"],
        "code_id": ["C1", "C2", "C1", "C2"],
        # with an accent typed as a combining mark (NFD), and TeX's special characters
        "text": [f"{LATIN} {OTHER} " + unicodedata.normalize("NFD", "Brontë {50%} $5 #1 _x_ \\ ~ ^"),
                 "", "", ""],
    })
    codebook = pd.DataFrame({
        "code_id": ["C1", "C2"],
        "subtheme": ["Δίκτυα", "Partners’ “time”"],
        "theme": ["Θέμα", "Relationships – partners"],
        "valence": ["success", "challenge"],
    })
    return CodedData.from_frames(segments, codebook)


@pytest.fixture(scope="module")
def shipped_manuscript(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``synth manuscript`` on the shipped data: the paper's quotations in the tables."""
    out = tmp_path_factory.mktemp("manuscript") / "manuscript"
    assert main(["manuscript", "--data", str(RAW), "--out", str(out), "--jobs", "2"]) == 0
    return out


@pytest.fixture(scope="module")
def unicode_manuscript(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("unicode-data")
    write_coded_data(_unicode_data(), data)
    out = tmp_path_factory.mktemp("unicode-manuscript") / "manuscript"
    assert main(["manuscript", "--data", str(data), "--out", str(out)]) == 0
    return out


def _listing(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): _sha256(p) for p in folder.rglob("*") if p.is_file()}


@needs_pdflatex
def test_preview_of_the_shipped_data_compiles_with_pdflatex(shipped_manuscript: Path,
                                                            tmp_path: Path, monkeypatch) -> None:
    quotations = pd.read_csv(RAW / "published" / "quotations.csv")["quotation"]
    assert any("’" in q for q in quotations) and any("–" in q for q in quotations)
    work = tmp_path / "manuscript"
    shutil.copytree(shipped_manuscript, work)
    before = _listing(work)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    said: list[str] = []
    result = compile_preview(work, say=said.append)
    assert result.pdf == work / "preview.pdf" and said == [result.message]
    pdf = result.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert result.boxed == ()  # the published quotations are all Latin script
    after = _listing(work)
    assert set(after) == set(before) | {"preview.pdf"}  # only the PDF comes back
    assert all(after[name] == digest for name, digest in before.items())
    # the same bytes again, and no date without SOURCE_DATE_EPOCH
    assert compile_preview(work).pdf.read_bytes() == pdf
    assert b"/CreationDate" not in pdf
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1722470400")
    dated = compile_preview(work).pdf.read_bytes()
    assert b"/CreationDate (D:20240801000000Z)" in dated
    assert compile_preview(work).pdf.read_bytes() == dated


@needs_pdflatex
def test_preview_shows_characters_the_fonts_lack_as_boxed_code_points(
        unicode_manuscript: Path, tmp_path: Path) -> None:
    work = tmp_path / "manuscript"
    shutil.copytree(unicode_manuscript, work)
    table2 = (work / "tables" / "table2.tex").read_text(encoding="utf-8")
    assert "Brontë" in table2  # composed (NFC): pdflatex sets the accented letter
    result = compile_preview(work)
    assert result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF-")
    expected = {f"U+{ord(c):04X}" for c in OTHER + "Δίκτυα Θέμα" if not c.isspace()}
    assert set(result.boxed) == expected
    assert "U+1F600" in result.boxed and "U+03A3" in result.boxed
    latin = {f"U+{ord(c):04X}" for c in LATIN}
    assert not latin & set(result.boxed)
    assert f"{len(expected)} character(s) the fonts lack are shown boxed" in result.message


def test_preview_is_skipped_with_a_reason_without_tex(unicode_manuscript: Path, tmp_path: Path,
                                                     monkeypatch) -> None:
    work = tmp_path / "manuscript"
    shutil.copytree(unicode_manuscript, work)
    before = _listing(work)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    said: list[str] = []
    result = compile_preview(work, say=said.append)
    assert result.pdf is None and result.boxed == ()
    assert said == [result.message]
    assert result.message.startswith("preview.pdf skipped: pdflatex not found")
    assert all(package in result.message for package in TEX_PACKAGES)
    assert _listing(work) == before


@needs_pdflatex
def test_a_tex_error_is_one_line_and_keeps_the_earlier_pdf(unicode_manuscript: Path,
                                                           tmp_path: Path) -> None:
    work = tmp_path / "manuscript"
    shutil.copytree(unicode_manuscript, work)
    compile_preview(work)
    source = work / "preview.tex"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "\\begin{document}\n", "\\begin{document}\n\\undefinedmacro\n"), encoding="utf-8")
    before = _listing(work)
    with pytest.raises(ReportError, match=r"preview\.tex: pdflatex stopped: Undefined control "
                                          r"sequence\. \(line \d+\)$") as caught:
        compile_preview(work)
    assert "\n" not in str(caught.value)
    assert _listing(work) == before


def test_manuscript_command_compiles_the_preview_or_says_why_not(tmp_path: Path) -> None:
    from conftest import BASE_CODEBOOK, BASE_PARTICIPANTS, BASE_SEGMENTS

    data = tmp_path / "data"
    data.mkdir()
    (data / "coded_segments.csv").write_text(BASE_SEGMENTS)
    (data / "codebook.csv").write_text(BASE_CODEBOOK)
    (data / "participants.csv").write_text(BASE_PARTICIPANTS)
    command = [sys.executable, "-m", "synth.cli", "manuscript", "--data", str(data), "--jobs", "1"]
    no_tex = {**os.environ, "PATH": os.path.dirname(sys.executable)}  # no pdflatex to be found
    skipped = subprocess.run([*command, "--out", str(tmp_path / "a")], capture_output=True,
                             text=True, env=no_tex)
    assert skipped.returncode == 0, skipped.stderr
    assert "preview.pdf skipped: pdflatex not found" in skipped.stderr
    assert (tmp_path / "a" / "preview.tex").is_file()
    assert not (tmp_path / "a" / "preview.pdf").exists()
    declined = subprocess.run([*command, "--out", str(tmp_path / "b"), "--no-pdf"],
                              capture_output=True, text=True)
    assert declined.returncode == 0 and "preview.pdf" not in declined.stderr
    assert not (tmp_path / "b" / "preview.pdf").exists()
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed: the compile itself is not checked here")
    made = subprocess.run([*command, "--out", str(tmp_path / "c")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "c" / "preview.pdf").read_bytes()[:5] == b"%PDF-"


def test_make_report_compiles_the_preview_and_ci_installs_tex() -> None:
    if shutil.which("make") is None:
        pytest.skip("GNU make is not installed")
    dry = subprocess.run(["make", "-n", "report", "OUT=out-x"],
                         cwd=ROOT, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    report = next(line for line in lines if "synth report" in line)
    # synth report writes the manuscript (and compiles its preview) beside the report
    assert "--out out-x" in report and "--no-manuscript" not in report
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for package in (*TEX_PACKAGES, "latexmk", "chromium"):
        assert re.search(rf"\b{package}\b", ci), package


# --- the map -------------------------------------------------------------------------------------


def test_the_readme_map_lists_the_packaging_files() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("LICENSE", "CITATION.cff", "codecheck.yml", ".pre-commit-config.yaml",
                 "ro-crate-metadata.json", "preview.pdf"):
        assert name in readme, name
        if not name.endswith((".json", ".pdf")):
            assert (ROOT / name).is_file(), name

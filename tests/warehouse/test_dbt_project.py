"""The dbt project's layout and lineage, read from dbt's own manifest (`dbt parse`): folders by
area, one properties file per folder, a primary-key test on every model, intermediate models that
do not read marts, no model left unread unless it is a mart or private."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from motcua.common.config import DBT_PROJECT_DIR
from tests.support.dbt import run_dbt

AREAS = {"dossiers", "periods", "units", "quality", "operations"}
KEY_TESTS = {"unique", "unique_combination"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("dbt_parse")
    result = run_dbt(work / "b.duckdb", work, "parse")
    assert result.returncode == 0, result.stdout[-2000:]
    return json.loads((work / "target" / "manifest.json").read_text())


def models_of(manifest: dict) -> dict[str, dict]:
    return {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }


def test_models_live_in_folders_by_area(manifest: dict) -> None:
    models = models_of(manifest)
    for node in models.values():
        parts = Path(node["original_file_path"]).parts
        assert parts[0] == "models", node["original_file_path"]
        if parts[1] in ("intermediate", "marts"):
            assert len(parts) == 4 and parts[2] in AREAS, node["original_file_path"]
            # described in the one properties file of its folder, named after it
            assert node["patch_path"] == (
                f"motcua://models/{parts[1]}/{parts[2]}/_{parts[2]}__models.yml"
            ), node["name"]
        elif parts[1] == "staging":
            assert len(parts) == 4 and parts[2] in ("ingest", "build"), node["original_file_path"]
            assert node["name"].startswith(f"stg_{parts[2]}__"), node["name"]
    # the schemas did not move with the files
    assert {n["schema"] for n in models.values() if "/marts/" in n["original_file_path"]} == {
        "marts"
    }
    assert {
        n["schema"] for n in models.values() if "/intermediate/" in n["original_file_path"]
    } == {"intermediate"}
    # one properties file per folder, and nothing else describes models there
    for layer in ("intermediate", "marts"):
        folders = {p.name for p in (DBT_PROJECT_DIR / "models" / layer).iterdir() if p.is_dir()}
        assert folders == AREAS, layer
        assert not list((DBT_PROJECT_DIR / "models" / layer).glob("*.yml")), layer
    # unit tests beside their model
    for test in manifest["unit_tests"].values():
        model = manifest["nodes"][test["depends_on"]["nodes"][0]]
        assert Path(test["original_file_path"]).parent == Path(model["original_file_path"]).parent
    # the build's own tables are a source declared under staging
    build = [s for s in manifest["sources"].values() if s["source_name"] == "build"]
    assert build and all(
        s["original_file_path"] == "models/staging/build/_build__sources.yml" for s in build
    )


def test_every_model_has_its_primary_key_test(manifest: dict) -> None:
    keyed = {
        node["attached_node"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") in KEY_TESTS
    }
    missing = sorted(node["name"] for uid, node in models_of(manifest).items() if uid not in keyed)
    assert missing == []


def test_intermediate_models_do_not_read_marts(manifest: dict) -> None:
    models = models_of(manifest)
    marts = {
        uid for uid, n in models.items() if n["original_file_path"].startswith("models/marts/")
    }
    reads = {
        n["name"]: sorted(models[up]["name"] for up in n["depends_on"]["nodes"] if up in marts)
        for n in models.values()
        if n["original_file_path"].startswith(("models/intermediate/", "models/staging/"))
    }
    assert {name: ups for name, ups in reads.items() if ups} == {}


def test_a_model_nobody_reads_is_a_mart_or_private(manifest: dict) -> None:
    models = models_of(manifest)
    read = {up for n in models.values() for up in n["depends_on"]["nodes"]}
    unread = {
        n["name"]: n["access"]
        for uid, n in models.items()
        if uid not in read
        and not n["original_file_path"].startswith(("models/marts/", "models/semantic/"))
    }
    assert unread == {
        "int_dossier_processing_times": "private",
        "int_submission_rows_used": "private",
    }


def test_every_macro_is_documented_with_its_arguments(manifest: dict) -> None:
    """macros/_macros.yml says what every macro of the project is for and names its arguments,
    exactly those of its signature, in order."""
    undocumented = {}
    for macro in manifest["macros"].values():
        if macro["package_name"] != "motcua":
            continue
        signature = re.search(
            r"{%-?\s*(?:macro|test)\s+\w+\((.*?)\)\s*-?%}", macro["macro_sql"], re.S
        )
        assert signature, macro["name"]
        names = [a.split("=")[0].strip() for a in signature.group(1).split(",") if a.strip()]
        documented = [a["name"] for a in macro["arguments"]]
        if not macro["description"].strip() or documented != names:
            undocumented[macro["name"]] = (names, documented)
    assert undocumented == {}


def test_the_incremental_doc_names_the_pattern_of_every_model(manifest: dict) -> None:
    """docs/warehouse-incremental.md has a row for every model in its table of patterns."""
    doc = (DBT_PROJECT_DIR.parent / "docs" / "warehouse-incremental.md").read_text()
    table = doc[doc.index("| model | pattern |") :]
    table = table[: table.index("\n\n")]
    named = set(re.findall(r"`(\w+)`", table))
    missing = sorted(n["name"] for n in models_of(manifest).values() if n["name"] not in named)
    assert missing == []


# dbt's ways of finding a relation by name instead of ref()
LOOKUPS = r"\b(get_relation|load_relation|load_cached_relation|get_relations_by_pattern)\b"


def test_no_model_is_read_behind_dbt_s_back() -> None:
    """No file of the dbt project looks a relation up by name (adapter.get_relation and the like):
    a model reads another through ref() only, so that dbt's lineage is the real data flow."""
    offending = sorted(
        str(path.relative_to(DBT_PROJECT_DIR))
        for path in DBT_PROJECT_DIR.rglob("*")
        if path.suffix in (".sql", ".yml")
        and "target" not in path.relative_to(DBT_PROJECT_DIR).parts
        and re.search(LOOKUPS, path.read_text())
    )
    assert offending == []

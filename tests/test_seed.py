"""The seed article and its annotations: archived as imported, every quote in place.

Ad hoc checks until the project's validator covers them; the visible text is
the site's (``markup.py`` rendering, ``visible.py`` extraction).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from annotary.importer import ArticleMetadata, import_text
from annotary.markup import markdown_config_from_mkdocs_yml
from annotary.visible import extract_visible_text

ROOT = Path(__file__).resolve().parents[1]
SLUG = "north-korean-troops-kursk"
ARTICLE = ROOT / "docs" / "articles" / f"{SLUG}.md"
ANNOTATIONS = ROOT / "annotations" / f"{SLUG}.yml"
SOURCES = ROOT / "annotations" / "sources.yml"
#: A byte-for-byte copy of ../shared/seeds/000_09f361ae893ebf73.txt: nothing outside the repo.
SEED = ROOT / "tests" / "fixtures" / "seed-000_09f361ae893ebf73.txt"
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def visible() -> str:
    text = ARTICLE.read_text(encoding="utf-8")
    body = text[text.index("\n---\n", 4) + 5 :]
    html = markdown_config_from_mkdocs_yml(ROOT / "mkdocs.yml").render(body)
    return extract_visible_text(html).text


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    data = load(ANNOTATIONS)
    assert data["article"] == SLUG
    annotations = data["annotations"]
    assert isinstance(annotations, list)
    return annotations


@pytest.fixture(scope="module")
def sources() -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in load(SOURCES)["sources"]}


def test_article_is_what_the_importer_makes() -> None:
    meta = ArticleMetadata(
        title="About 1,000 North Koreans killed fighting Ukraine in Kursk, officials say",
        outlet="BBC News",
        captured=datetime.date(2026, 11, 24),
        published=datetime.date(2025, 1, 22),
        tags=("north-korea", "kursk", "russia-ukraine-war"),
    )
    result = import_text(SEED.read_text(encoding="utf-8"), meta, slug=SLUG)
    assert ARTICLE.read_text(encoding="utf-8") == result.markdown


def test_visible_text_is_the_seed(visible: str) -> None:
    assert visible.startswith("Western officials have told the BBC that North Korean troops")
    assert visible.endswith("the general told Ukraine's TSN Tyzhden news programme.")
    assert "akin Kim Jong Un" in visible  # kept as captured, annotated


def test_annotation_file_header() -> None:
    lines = ANNOTATIONS.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../schema/annotations.schema.json"
    assert lines[1] == f"article: {SLUG}"


def test_every_quote_occurs_exactly_once(visible: str, items: list[dict[str, Any]]) -> None:
    counts = {
        a["id"]: visible.count(a.get("prefix", "") + a["quote"] + a.get("suffix", ""))
        for a in items
    }
    assert {k: n for k, n in counts.items() if n != 1} == {}


def test_ids_and_fields(items: list[dict[str, Any]]) -> None:
    ids = [a["id"] for a in items]
    assert len(ids) == len(set(ids))
    assert all(SLUG_RE.fullmatch(i) for i in ids)
    for a in items:
        if a["type"] == "claim":
            assert a["status"] in ("supported", "unverified", "disputed", "misleading", "false")
        elif a["type"] == "quote":
            assert a["speaker"]
        else:
            assert a["type"] == "source"
            assert a["source"]


def test_every_source_id_is_registered(
    items: list[dict[str, Any]], sources: dict[str, dict[str, Any]]
) -> None:
    referenced = {
        s
        for a in items
        for s in [*a.get("attributed_to", []), a.get("speaker"), a.get("source")]
        if s
    }
    assert referenced - set(sources) == set()
    kinds = {s["kind"] for s in sources.values()}
    assert kinds <= {"person", "organisation", "anonymous", "document", "media"}


def test_claims(items: list[dict[str, Any]]) -> None:
    claims = {a["id"]: a for a in items if a["type"] == "claim"}
    assert len(claims) >= 12
    nearly_40 = claims["casualties-nearly-40-percent"]
    assert "nearly 40%" in nearly_40["quote"]
    assert "36" in nearly_40["note"]
    akin = [a for a in claims.values() if "akin Kim Jong Un" in a["quote"]]
    assert len(akin) == 1
    assert "likely" in akin[0]["note"]


def test_quotes_of_both_speakers(items: list[dict[str, Any]]) -> None:
    speakers = {a["speaker"] for a in items if a["type"] == "quote"}
    assert {"hamish-de-bretton-gordon", "oleksandr-syrskyi"} <= speakers


@pytest.mark.parametrize(
    ("phrase", "source_id", "kind"),
    [
        ("Western officials", "western-officials", "anonymous"),
        ("The officials, who spoke on grounds of anonymity", "western-officials", "anonymous"),
        (
            "the former British Army tank commander, Col Hamish de Bretton-Gordon",
            "hamish-de-bretton-gordon",
            "person",
        ),
        (
            "Reports attributed to South Korean intelligence",
            "south-korean-intelligence",
            "organisation",
        ),
        ("Gen Oleksandr Syrskyi", "oleksandr-syrskyi", "person"),
        ("Ukraine's TSN Tyzhden news programme", "tsn-tyzhden", "media"),
        ("told the BBC", "bbc-news", "media"),
    ],
)
def test_attributions(
    items: list[dict[str, Any]],
    sources: dict[str, dict[str, Any]],
    phrase: str,
    source_id: str,
    kind: str,
) -> None:
    matching = [a for a in items if a["type"] == "source" and phrase in a["quote"]]
    assert [a["source"] for a in matching] == [source_id]
    assert sources[source_id]["kind"] == kind

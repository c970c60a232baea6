"""The whole core in one call: files → validated model → placed annotations.

``annotary lint``, ``annotary anchors`` and the site build all go through
:func:`check_archive`, so they can never disagree about where a quote is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .archive import LoadResult, load_archive
from .diagnostics import Diagnostic, sort_diagnostics
from .markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from .model import Archive
from .placement import PlacedArticle, place_annotations, placement_problems


@dataclass
class CheckedArchive:
    archive: Archive
    placed: dict[str, PlacedArticle] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [p for p in self.problems if not p.is_error]


def place_article_annotations(
    loaded: LoadResult, slug: str, markdown_config: MarkdownConfig
) -> tuple[PlacedArticle, list[Diagnostic]]:
    archive = loaded.archive
    article = archive.articles[slug]
    annotation_file = archive.annotation_files.get(slug)
    annotations = annotation_file.annotations if annotation_file else ()
    html = markdown_config.render(article.body)
    placed = place_annotations(html, annotations)
    return placed, placement_problems(article.path, placed)


def check_archive(
    root: Path, markdown_config: MarkdownConfig | None = None, only: str | None = None
) -> CheckedArchive:
    """Validate every file and place every annotation; ``only`` limits placing to one slug."""
    if markdown_config is None:
        markdown_config = markdown_config_from_mkdocs_yml(root / "mkdocs.yml")
    loaded = load_archive(root)
    checked = CheckedArchive(loaded.archive, problems=list(loaded.problems))
    for slug in sorted(loaded.archive.articles):
        if only is not None and slug != only:
            continue
        placed, problems = place_article_annotations(loaded, slug, markdown_config)
        checked.placed[slug] = placed
        checked.problems += problems
    checked.problems = sort_diagnostics(checked.problems)
    return checked

"""The archive's annotations as W3C Web Annotations (JSON-LD), for other tools.

Every article gets an ``AnnotationCollection`` of its annotations
(``articles/<slug>/annotations.jsonld``), and the site one of all of them
(``annotations.jsonld``). The builders here are pure: they read the placed
archive and return plain dicts; :func:`dumps` turns one into the file's text.
Only :func:`git_provenance` and :func:`git_provenance_all` do I/O (they ask git
who wrote a file, and when).

How an annotation is written
----------------------------

``id``
    The permalink of its highlight, ``{article_url}#{annotation_id}``: stable
    as long as the annotation keeps its id.
``motivation``
    ``assessing`` for a claim (the archive assesses it), ``identifying`` for a
    quote (it identifies who speaks) and a source (it identifies who is cited).
``body``, in this order
    * claims: ``TextualBody`` ``purpose: assessing``, value the status
      (``supported``, ``unverified``, ``disputed``, ``misleading``, ``false``);
    * the note: ``TextualBody`` ``purpose: commenting``, ``format: text/markdown``,
      value the note's Markdown as written;
    * each source the annotation names (a quote's speaker, a source's source,
      a claim's ``attributed_to``): a ``SpecificResource`` ``purpose:
      identifying`` whose ``source`` is the source's page on the site,
      ``{site_url}sources/<id>/`` (``label``: the source's name). The Web
      Annotation model puts a purpose only on a SpecificResource or a
      TextualBody, never on a plain web resource, hence the wrapper;
    * each tag: ``TextualBody`` ``purpose: tagging``;
    * each evidence link: ``SpecificResource`` ``purpose: linking`` whose
      ``source`` is the evidence's address (``label``: its title), with its
      stance as ``annotary:stance``.
``target``
    A ``SpecificResource`` on the article's page with two selectors for the
    same passage: a ``TextQuoteSelector`` (``exact``, and up to 32 code points
    of ``prefix``/``suffix``) and a ``TextPositionSelector`` (``start``/``end``
    in code points), both over the article's *visible text* (see the annotation
    format: markup removed, runs of white space one space), the text that
    ``annotary anchors`` reports offsets in.

Orphans and ambiguous quotes (not placed in the current text) are still
exported, so that nothing the archive says is lost, but with only a
``TextQuoteSelector`` made of the annotation's own ``quote``/``prefix``/
``suffix``: a position would be a guess.

The ``annotary:`` extension
---------------------------

What the Web Annotation vocabulary cannot say is said by three extension
properties, in the namespace ``https://annotary.invalid/ns#`` (the project's
``.invalid`` base, as in the JSON Schemas' ``$id``: reserved, never anyone
else's) declared in an extra ``@context`` entry after the standard one:
``"@context": ["http://www.w3.org/ns/anno.jsonld", {"annotary": "…/ns#"}]``.
The W3C model allows exactly this (an array whose first context is the
annotation context) and the W3C conformance schemas accept it.

``annotary:annotationType``
    ``claim``, ``quote`` or ``source``: a quote and a source share a motivation.
``annotary:anchorState``
    ``exact`` (placed verbatim), ``drifted`` (placed at the closest passage: the
    article changed; the selectors give the *current* passage), ``orphan`` or
    ``ambiguous`` (not placed: no ``TextPositionSelector``). This is how a
    consumer tells an orphan apart.
``annotary:stance``
    On an evidence body: ``supports``, ``contradicts`` or ``context``.

Provenance (``creator``, ``created``, ``modified``) is only ever what git
says about the annotation file (see :func:`git_provenance`), and it is put on
the article's collection, not on each annotation: the history of a file says
who wrote the file and when, not when each of its annotations was added.
Nothing is made up when git is missing, the checkout shallow or the file new.

Output is deterministic: keys in a fixed, readable order, annotations in file
order (articles by slug), no timestamps of the build; two builds of the same
commit give byte-identical files.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlsplit

from .jsontext import compact
from .links import Links
from .placement import CONTEXT_CHARS, context

if TYPE_CHECKING:
    from .model import Annotation, Archive, Article
    from .pipeline import CheckedArchive
    from .placement import PlacedArticle, Placement

__all__ = [
    "ANNOTARY_NAMESPACE",
    "ANNO_CONTEXT",
    "COLLECTION_FILE",
    "CONTEXT",
    "MOTIVATIONS",
    "Provenance",
    "archive_collection",
    "archive_collection_path",
    "article_annotations",
    "article_collection",
    "article_collection_path",
    "article_url",
    "dumps",
    "git_provenance",
    "git_provenance_all",
    "standalone",
]

ANNO_CONTEXT: Final = "http://www.w3.org/ns/anno.jsonld"
ANNOTARY_NAMESPACE: Final = "https://annotary.invalid/ns#"
#: The ``@context`` of every document written: the W3C one, then our extension prefix.
CONTEXT: Final[list[Any]] = [ANNO_CONTEXT, {"annotary": ANNOTARY_NAMESPACE}]
#: The name of the collection files.
COLLECTION_FILE: Final = "annotations.jsonld"
MOTIVATIONS: Final[Mapping[str, str]] = {
    "claim": "assessing",
    "quote": "identifying",
    "source": "identifying",
}
_GENERATOR: Final = {"type": "Software", "name": "Annotary"}
# Characters left as they are when an address is made a URI: RFC 3986's
# reserved and unreserved ones, and '%' (already percent-encoded bytes).
_URI_SAFE: Final = "!#$%&'()*+,/:;=?@[]~-._"


@dataclass(frozen=True)
class Provenance:
    """What git says about one annotation file.

    Attributes:
        created: Author date (ISO 8601, with offset) of the first commit of the file.
        modified: Author date of the last commit; ``None`` when the working copy
            differs from it (the file was changed since: when is unknown).
        creators: Author names, in order of first contribution.
    """

    created: str | None
    modified: str | None
    creators: tuple[str, ...]


# --- addresses ---------------------------------------------------------------


def _site_root(site_url: str) -> str:
    """``site_url`` as an absolute http(s) URI ending with ``/``."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"site_url must be an absolute http:// or https:// address, not {site_url!r} "
            "(set site_url in mkdocs.yml)"
        )
    root = _as_uri(site_url)
    return root if root.endswith("/") else root + "/"


def _as_uri(address: str) -> str:
    """An IRI (or a sloppy address) as a URI: other characters percent-encoded (UTF-8)."""
    return quote(address.strip(), safe=_URI_SAFE)


def _links(site_url: str, directory_urls: bool) -> Links:
    return Links(to_root=_site_root(site_url), directory_urls=directory_urls)


def article_url(site_url: str, slug: str, *, directory_urls: bool = True) -> str:
    """The absolute address of an article's page on the site."""
    return _links(site_url, directory_urls).article(slug)


def article_collection_path(slug: str, *, directory_urls: bool = True) -> str:
    """Where an article's collection goes in the site, relative to the site's root.

    ``articles/<slug>/annotations.jsonld`` next to the page's ``index.html``
    (so its address is ``{article_url}annotations.jsonld``), or, without
    directory URLs, ``articles/<slug>.annotations.jsonld`` next to ``<slug>.html``.
    """
    if directory_urls:
        return f"articles/{slug}/{COLLECTION_FILE}"
    return f"articles/{slug}.{COLLECTION_FILE}"


def archive_collection_path() -> str:
    """Where the whole archive's collection goes, relative to the site's root."""
    return COLLECTION_FILE


def _collection_url_for(page_url: str) -> str:
    if page_url.endswith("/"):
        return page_url + COLLECTION_FILE
    return re.sub(r"\.html$", "", page_url) + "." + COLLECTION_FILE


# --- annotations ---------------------------------------------------------------


def _textual(purpose: str, value: str, **extra: str) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, **extra}


def _bodies(annotation: Annotation, archive: Archive, links: Links) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    if annotation.type == "claim" and annotation.status is not None:
        bodies.append(_textual("assessing", annotation.status))
    if annotation.note is not None and annotation.note.strip():
        bodies.append(_textual("commenting", annotation.note.rstrip(), format="text/markdown"))
    for source_id in annotation.source_ids:
        page: dict[str, Any] = {"id": links.source(source_id), "type": "Text"}
        page["format"] = "text/html"
        source = archive.sources.get(source_id)
        if source is not None:
            page["label"] = source.name
        bodies.append({"type": "SpecificResource", "purpose": "identifying", "source": page})
    bodies.extend(_textual("tagging", tag) for tag in annotation.tags)
    for evidence in annotation.evidence:
        resource: dict[str, Any] = {"id": _as_uri(evidence.url)}
        if evidence.title:
            resource["label"] = evidence.title
        body: dict[str, Any] = {
            "type": "SpecificResource",
            "purpose": "linking",
            "source": resource,
        }
        if evidence.stance:
            body["annotary:stance"] = evidence.stance
        bodies.append(body)
    return bodies


def _squeeze(text: str) -> str:
    """Runs of white space as one space, as in the visible text (ends kept)."""
    return re.sub(r"\s+", " ", text)


def _selectors(placement: Placement, text: str) -> list[dict[str, Any]]:
    span = placement.span
    if span is None:
        annotation = placement.annotation
        quote_selector: dict[str, Any] = {
            "type": "TextQuoteSelector",
            "exact": " ".join(annotation.quote.split()),
        }
        if annotation.prefix:
            quote_selector["prefix"] = _squeeze(annotation.prefix)
        if annotation.suffix:
            quote_selector["suffix"] = _squeeze(annotation.suffix)
        return [quote_selector]
    start, end = _strip_span(text, *span)
    before, after = context(text, start, end, CONTEXT_CHARS)
    quote_selector = {"type": "TextQuoteSelector", "exact": text[start:end]}
    if before:
        quote_selector["prefix"] = before
    if after:
        quote_selector["suffix"] = after
    return [quote_selector, {"type": "TextPositionSelector", "start": start, "end": end}]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without white space at its ends (a fuzzy match may take some)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _annotation(
    placement: Placement, text: str, archive: Archive, links: Links, page_url: str
) -> dict[str, Any]:
    annotation = placement.annotation
    item: dict[str, Any] = {
        "id": f"{page_url}#{annotation.id}",
        "type": "Annotation",
        "motivation": MOTIVATIONS[annotation.type],
        "body": _bodies(annotation, archive, links),
        "target": {
            "type": "SpecificResource",
            "source": page_url,
            "selector": _selectors(placement, text),
        },
        "annotary:annotationType": annotation.type,
        "annotary:anchorState": placement.result.state,
    }
    return item


def article_annotations(
    placed: PlacedArticle,
    archive: Archive,
    *,
    site_url: str,
    article_url: str,
    directory_urls: bool = True,
) -> list[dict[str, Any]]:
    """Every annotation of one article as a Web Annotation, in file order.

    The annotations carry no ``@context`` of their own: inside a collection
    they take the collection's. :func:`standalone` makes one a document.
    """
    links = _links(site_url, directory_urls)
    page_url = _as_uri(article_url)
    text = placed.visible.text
    return [_annotation(p, text, archive, links, page_url) for p in placed.placements]


def standalone(annotation: Mapping[str, Any]) -> dict[str, Any]:
    """One annotation of a collection as a document of its own (with the ``@context``)."""
    return {"@context": CONTEXT, **annotation}


# --- collections -----------------------------------------------------------------


def _collection(
    collection_url: str,
    label: str,
    items: list[dict[str, Any]],
    provenance: Provenance | None,
) -> dict[str, Any]:
    collection: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_url,
        "type": "AnnotationCollection",
        "label": label,
    }
    if provenance is not None:
        if provenance.creators:
            collection["creator"] = [{"name": name} for name in provenance.creators]
        if provenance.created:
            collection["created"] = provenance.created
        if provenance.modified:
            collection["modified"] = provenance.modified
    collection["generator"] = dict(_GENERATOR)
    collection["total"] = len(items)
    if items:
        # The model: a collection with annotations MUST have a first page, and a
        # page MUST hold at least one; an empty collection has no page at all.
        page_url = f"{collection_url}#page1"
        collection["first"] = {
            "id": page_url,
            "type": "AnnotationPage",
            "partOf": collection_url,
            "startIndex": 0,
            "items": items,
        }
        collection["last"] = page_url
    return collection


def article_collection(
    placed: PlacedArticle,
    article: Article,
    archive: Archive,
    *,
    site_url: str,
    article_url: str,
    collection_url: str | None = None,
    provenance: Provenance | None = None,
    directory_urls: bool = True,
) -> dict[str, Any]:
    """An article's annotations as one ``AnnotationCollection`` with one embedded page.

    Args:
        placed: The article's placed annotations (``CheckedArchive.placed[slug]``).
        article: The article (``archive.articles[slug]``).
        archive: The archive, for the sources' names.
        site_url: The site's address (``site_url`` of mkdocs.yml).
        article_url: The article page's absolute address (:func:`article_url`).
        collection_url: The collection's own address; by default next to the
            page (``{article_url}annotations.jsonld``, see :func:`article_collection_path`).
        provenance: What git says about the annotation file (:func:`git_provenance`).
        directory_urls: MkDocs' ``use_directory_urls``, for the sources' pages.

    Returns:
        The collection, ready for :func:`dumps`.
    """
    page_url = _as_uri(article_url)
    items = article_annotations(
        placed,
        archive,
        site_url=site_url,
        article_url=page_url,
        directory_urls=directory_urls,
    )
    url = _as_uri(collection_url) if collection_url else _collection_url_for(page_url)
    label = f"Annotations on “{article.meta.title}” ({article.meta.outlet})"
    return _collection(url, label, items, provenance)


def archive_collection(
    checked: CheckedArchive,
    *,
    site_url: str,
    directory_urls: bool = True,
    provenance: Mapping[str, Provenance] | None = None,
    label: str = "Every annotation of the archive",
) -> dict[str, Any]:
    """Every placed article's annotations, articles by slug, as one collection.

    Args:
        checked: The checked archive (every article placed: ``only`` not used).
        site_url: The site's address.
        directory_urls: MkDocs' ``use_directory_urls``.
        provenance: :func:`git_provenance` per slug; the archive's is derived
            from them (first ``created``, last ``modified``, every author), and
            only if every annotation file has one.
        label: The collection's label.
    """
    root = _site_root(site_url)
    items: list[dict[str, Any]] = []
    for slug in sorted(checked.placed):
        items += article_annotations(
            checked.placed[slug],
            checked.archive,
            site_url=root,
            article_url=article_url(root, slug, directory_urls=directory_urls),
            directory_urls=directory_urls,
        )
    slugs = sorted(checked.archive.annotation_files)
    merged = _merge_provenance([provenance.get(s) for s in slugs]) if provenance else None
    return _collection(root + archive_collection_path(), label, items, merged)


# --- collections from serialised items (what a site build keeps) ----------------------
#
# A build keeps each article's annotations as JSON text rather than as dicts:
# the text is what the cache stores and what the files hold, and for a large
# archive it is a fraction of the memory. The collections around them are made
# by the builders above with a placeholder item, then the text is put in its place.

_PLACEHOLDER = "annotary:items-go-here"
_PLACEHOLDER_JSON = f'["{_PLACEHOLDER}"]'  # as dumps() writes it


def site_root(site_url: str) -> str:
    """``site_url`` as an absolute http(s) URI ending with ``/`` (``ValueError`` if not one)."""
    return _site_root(site_url)


def items_json(items: list[dict[str, Any]]) -> str:
    """The items of :func:`article_annotations` as :func:`dumps` writes a list (no newline)."""
    return dumps(items).rstrip("\n")


def _with_items(
    collection_url: str, label: str, items: Iterable[str], total: int, provenance: Provenance | None
) -> Iterator[str]:
    """:func:`dumps` of :func:`_collection` whose items are the JSON lists ``items``, joined,
    in parts: the archive's collection is tens of MB, written as it is made."""
    if total == 0:
        yield dumps(_collection(collection_url, label, [], provenance))
        return
    document = _collection(collection_url, label, [{}], provenance)
    document["total"] = total
    document["first"]["items"] = [_PLACEHOLDER]
    head, found, tail = dumps(document).partition(_PLACEHOLDER_JSON)
    if not found:
        raise AssertionError("w3c: the items placeholder was not written as expected")
    yield head + "["
    separator = ""
    for item in items:
        if item != "[]":
            yield separator + item[1:-1]
            separator = ","
    yield "]" + tail


def article_collection_text(
    items: str,
    total: int,
    article: Article,
    *,
    site_url: str,
    provenance: Provenance | None = None,
    directory_urls: bool = True,
) -> str:
    """:func:`dumps` of :func:`article_collection`, from the article's :func:`items_json`."""
    root = _site_root(site_url)
    page_url = _as_uri(article_url(root, article.slug, directory_urls=directory_urls))
    label = f"Annotations on “{article.meta.title}” ({article.meta.outlet})"
    return "".join(_with_items(_collection_url_for(page_url), label, [items], total, provenance))


def archive_collection_text(
    items: Mapping[str, str],
    counts: Mapping[str, int],
    *,
    site_url: str,
    slugs: Sequence[str],
    provenance: Mapping[str, Provenance] | None = None,
    label: str = "Every annotation of the archive",
) -> Iterator[str]:
    """:func:`dumps` of :func:`archive_collection`, from each article's items and their
    count by slug, in parts to write one after the other (``"".join`` makes the text).

    ``items`` may make each value when asked (the plugin keeps them compressed).
    ``slugs`` are the articles with an annotation file, whose ``provenance``
    (by slug) makes the archive's.
    """
    root = _site_root(site_url)
    ordered = sorted(items)
    merged = _merge_provenance([provenance.get(s) for s in slugs]) if provenance else None
    total = sum(counts[slug] for slug in ordered)
    return _with_items(
        root + archive_collection_path(),
        label,
        (items[slug] for slug in ordered),
        total,
        merged,
    )


def _merge_provenance(parts: list[Provenance | None]) -> Provenance | None:
    known = [p for p in parts if p is not None]
    if not known:
        return None
    created = [p.created for p in known if p.created]
    modified = [p.modified for p in known if p.modified]
    creators = tuple(dict.fromkeys(name for p in known for name in p.creators))
    complete = len(known) == len(parts) and len(modified) == len(known)
    last = max(modified, key=_instant) if complete else None
    return Provenance(min(created, key=_instant) if created else None, last, creators)


def _instant(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp)


def dumps(document: Any) -> str:
    """The JSON text of a document: compact, UTF-8 characters as such, final newline.

    Keys keep the builders' order (a fixed one), so equal documents give equal text.
    Compact, not indented: the files are for programs, and indented they are
    larger by half (59 kB against 37 kB for an article of 40 annotations).
    Written by orjson (:mod:`annotary.jsontext`).
    """
    return compact(document) + "\n"


# --- provenance from git (I/O) -------------------------------------------------


def git_provenance(root: Path, path: str) -> Provenance | None:
    """Who wrote the file ``path`` (relative to ``root``) and when, according to git.

    Read from the commits that changed it, following renames, as ``git log
    --follow -- <path>`` does (but not copies: see :func:`git_provenance_all`,
    which this calls for the one file). Returns ``None``, never a guess, when
    git is not installed, ``root`` is not in a repository, the checkout is
    shallow (its oldest commit would pass for the file's creation: CI checkouts
    need ``fetch-depth: 0``), or the file has no commit yet. ``modified`` is
    ``None`` when the file has uncommitted changes.
    """
    return git_provenance_all(root, [path]).get(path)


def git_provenance_all(root: Path, paths: Sequence[str]) -> dict[str, Provenance]:
    """:func:`git_provenance` of many files (relative to ``root``) in three git runs.

    Returns the files that have a provenance, by the path as given; the others
    (no commit yet, or no git, no repository, a shallow clone: see
    :func:`git_provenance`) are left out.

    One ``git log --no-merges -M --name-status`` of the whole history gives,
    for every commit, the files it changed; each file's history is read from it
    newest first, as ``git log --follow -- <path>`` reads it: a commit counts
    for a file if it changes the path the file has at that point (even by
    renaming it away), merges never count, and where the path appears as the
    *destination* of a rename, older commits are those of the rename's source.
    The whole tree is diffed (no pathspec), so a file moved in from outside
    ``annotations/`` is followed too, and no history simplification drops a
    side branch's commits, as ``--follow`` does not.

    Unlike ``--follow``, copies are not followed: ``--follow`` looks for copies
    harder (any file of the parent commit may be the source), so a file made
    by copying another one as a template would be credited with that file's
    whole history, its creation date and its authors. And ``-M`` pairs each
    deleted file with one added file at most, where ``--follow`` lets two files
    added by one commit have the same source.

    ``git status --porcelain`` of the files' folders then tells which files
    have uncommitted changes.
    """
    git = shutil.which("git")
    if git is None or not paths:
        return {}
    head = _git(git, root, "rev-parse", "--is-shallow-repository", "--show-prefix")
    if head is None:
        return {}
    shallow, _, prefix = head.partition("\n")
    if shallow.strip() != "false":
        return {}
    prefix = prefix.strip("\n")
    # Each file by its path from the top of the repository, as git log prints paths.
    top_paths = {path: posixpath.normpath(prefix + path) for path in paths}
    log = _git(
        git,
        root,
        *_GIT_CONFIG,
        "log",
        "--no-merges",
        "--root",
        "--no-show-signature",
        "--no-color",
        "-M",
        "--name-status",
        "-z",
        "--format=%x01%aI%x00%an",
    )
    if log is None:
        return {}
    histories = _follow(_commits(log), set(top_paths.values()))
    if not histories:
        return {}
    status = _git(
        git,
        root,
        *_GIT_CONFIG,
        "status",
        "--porcelain",
        "-z",
        "--untracked-files=all",
        "--",
        *sorted({posixpath.dirname(path) or "." for path in paths}),
    )
    dirty = _changed_paths(status) if status is not None else None
    found: dict[str, Provenance] = {}
    for path, top in top_paths.items():
        commits = histories.get(top)
        if not commits:
            continue
        clean = dirty is not None and top not in dirty
        creators = tuple(dict.fromkeys(name for _, name in reversed(commits) if name))
        found[path] = Provenance(commits[-1][0], commits[0][0] if clean else None, creators)
    return found


#: git settings that would change the output parsed here, whatever the user's config.
_GIT_CONFIG: Final = ("-c", "diff.relative=false", "-c", "core.quotePath=false")


@dataclass(frozen=True)
class _Commit:
    stamp: str
    author: str
    #: (status letter, source path or ``None``, path), as ``--name-status`` lists them.
    changes: tuple[tuple[str, str | None, str], ...]


def _commits(log: str) -> list[_Commit]:
    """The commits of ``git log -z --name-status --format=%x01%aI%x00%an``, newest first.

    The output is NUL-separated: ``\\x01<date>``, ``<author>``, then per changed
    file a status (the first one after a newline) and one path, or two for a
    rename or copy (``R100``, source, destination). Paths are read by position,
    never searched for, so no file name can pass for a commit.
    """
    commits: list[_Commit] = []
    fields = log.split("\0")
    i = 0
    stamp = author = ""
    changes: list[tuple[str, str | None, str]] = []
    started = False
    while i < len(fields):
        field = fields[i]
        if field.startswith("\x01"):
            if started:
                commits.append(_Commit(stamp, author, tuple(changes)))
            stamp = field[1:].strip()
            author = fields[i + 1].strip() if i + 1 < len(fields) else ""
            changes = []
            started = True
            i += 2
            continue
        status = field.strip()
        if not status:
            i += 1
            continue
        if status[0] in "RC":
            if i + 2 < len(fields):
                changes.append((status[0], fields[i + 1], fields[i + 2]))
            i += 3
        else:
            if i + 1 < len(fields):
                changes.append((status[0], None, fields[i + 1]))
            i += 2
    if started:
        commits.append(_Commit(stamp, author, tuple(changes)))
    return commits


def _follow(commits: list[_Commit], paths: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Each file's commits (date, author), newest first, following renames back in time."""
    histories: dict[str, list[tuple[str, str]]] = {path: [] for path in paths}
    #: The path each file had at the commit being read → the files (by today's path).
    following: dict[str, set[str]] = {path: {path} for path in paths}
    for commit in commits:
        if not commit.stamp:
            continue
        touched: set[str] = set()
        renamed: list[tuple[str, str]] = []
        for status, source, path in commit.changes:
            if path in following:
                touched |= following[path]
                if status == "R" and source is not None:
                    renamed.append((path, source))
            if source is not None and source in following:
                touched |= following[source]
        for file in touched:
            histories[file].append((commit.stamp, commit.author))
        # Older commits: a renamed file is found under its former path.
        moves = [(following.pop(path), source) for path, source in renamed]
        for files, source in moves:
            following.setdefault(source, set()).update(files)
    return {path: commits for path, commits in histories.items() if commits}


def _changed_paths(status: str) -> set[str]:
    """Every path of ``git status --porcelain -z``: changed, new, deleted, both sides of a move."""
    paths: set[str] = set()
    fields = status.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        paths.add(entry[3:])
        if "R" in entry[:2] or "C" in entry[:2]:
            if i < len(fields):
                paths.add(fields[i])
            i += 1
    return paths


def _git(git: str, root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            [git, "-C", str(root), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None

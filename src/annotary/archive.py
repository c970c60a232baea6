"""Reading the archive's files from a repo checkout: the I/O edge of the core.

Everything past this module works on plain validated data. Here the files are
found, read defensively (size, encoding, links that leave the repo) and handed
to :mod:`annotary.validate`; then what only the whole archive knows is checked:
that each annotation file has its article and each source id its registry entry.
"""

from __future__ import annotations

import errno
import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import blake3

from . import model
from .diagnostics import Diagnostic, Location, error, warning
from .model import AnnotationFile, Archive, Article, Source
from .validate import (
    did_you_mean,
    split_front_matter,
    validate_annotation_file,
    validate_front_matter,
    validate_sources,
)
from .yamlsource import BAD_CHARACTERS, parse_yaml

ARTICLES_DIR = Path("docs") / "articles"
ANNOTATIONS_DIR = Path("annotations")
SOURCES_FILE = ANNOTATIONS_DIR / "sources.yml"
#: Folders the site is built from, checked for symbolic links (see :func:`links_out_of_repo`).
LINK_CHECKED_DIRS = (Path("docs"), ANNOTATIONS_DIR, Path("overrides"))

#: Largest annotation or sources file read; a real one is a few kB.
MAX_YAML_BYTES = 1_000_000
#: Largest article read; a long feature is ~100 kB of Markdown.
MAX_ARTICLE_BYTES = 2_000_000


@dataclass
class LoadResult:
    archive: Archive
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def read_repo_text(root: Path, path: Path, limit: int) -> tuple[str | None, list[Diagnostic]]:
    """A text file of the repo, or the one problem that stops it from being read.

    Refuses what would make a build misbehave rather than fail: a link that leads
    out of the repo, a file too large to be a real one, bytes that are not UTF-8,
    NUL bytes, a byte-order mark or Windows line ends (which shift every column).
    """
    rel = path.relative_to(root).as_posix()
    loc = Location(rel, 1, 1)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return None, [error(loc, "unreadable", f"cannot read the file: {exc}")]
    # (a resolved path under ``root`` as written means ``root`` is resolved already)
    if not resolved.is_relative_to(root) and not resolved.is_relative_to(root.resolve()):
        return None, [
            error(
                loc,
                "link-outside-repo",
                "this is a symbolic link to a file outside the repository; refusing to read it",
                "commit the file itself instead of a link",
            )
        ]
    try:
        size = resolved.stat().st_size
        if size > limit:
            return None, [
                error(
                    loc,
                    "file-too-large",
                    f"file is {size:,} bytes; the limit is {limit:,}",
                    "split the article or its annotations; a real one is far smaller",
                )
            ]
        data = resolved.read_bytes()
    except OSError as exc:
        return None, [error(loc, "unreadable", f"cannot read the file: {exc}")]
    return decode_text(data, rel)


def decode_text(data: bytes, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """UTF-8 without surprises, with the exact place of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [
            error(
                Location(rel, 1, 1),
                "byte-order-mark",
                "file starts with a byte-order mark (BOM)",
                "save the file as UTF-8 without BOM",
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data[: exc.start].decode("utf-8", "replace"))
        return None, [
            error(
                Location(rel, line, column),
                "bad-encoding",
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                "save the file with UTF-8 encoding",
            )
        ]
    nul = text.find("\0")
    if nul >= 0:
        line, column = _line_column(text[:nul])
        return None, [error(Location(rel, line, column), "nul-byte", "file contains a NUL byte")]
    cr = text.find("\r")
    if cr >= 0:
        line, column = _line_column(text[:cr])
        return None, [
            error(
                Location(rel, line, column),
                "crlf-line-ends",
                "file has Windows (CRLF) or old Mac (CR) line ends",
                "save it with Unix (LF) line ends; 'git config core.autocrlf input' helps",
            )
        ]
    control = BAD_CHARACTERS.search(text)
    if control is not None:
        line, column = _line_column(text[: control.start()])
        return None, [
            error(
                Location(rel, line, column),
                "control-character",
                f"file contains the control character U+{ord(control.group()):04X}",
                "delete it: it is invisible in most editors, and no article or annotation "
                "needs it (a C1 control often means text decoded with the wrong encoding)",
            )
        ]
    return text, []


def _line_column(before: str) -> tuple[int, int]:
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return line, column


def _slug_problem(rel: str, slug: str, what: str) -> Diagnostic:
    rule = "file names are lowercase letters, digits and single hyphens"
    suggestion = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")
    return error(
        Location(rel, 1, 1),
        "bad-slug",
        f"'{slug}' is not a valid {what} name",
        f"rename it to '{suggestion}{PurePosixPath(rel).suffix}': {rule}"
        if model.is_slug(suggestion)
        else f"{rule}, e.g. 'north-korean-troops-kursk'",
    )


def load_article(root: Path, path: Path) -> tuple[Article | None, list[Diagnostic], str | None]:
    """The article of ``path``, its problems, and the text it was made of (if read)."""
    rel = path.relative_to(root).as_posix()
    slug = path.stem
    if not model.is_slug(slug):
        return None, [_slug_problem(rel, slug, "article file")], None
    text, problems = read_repo_text(root, path, MAX_ARTICLE_BYTES)
    if text is None:
        return None, problems, None
    split = split_front_matter(text)
    if split.front_matter is None:
        return (
            None,
            [
                error(
                    Location(rel, 1, 1),
                    "missing-front-matter",
                    "the article has no front matter",
                    "start the file with '---', the fields title, author, outlet, captured, "
                    "then '---' (see CONTRIBUTING.md)",
                )
            ],
            text,
        )
    node, problems = parse_yaml(split.front_matter, rel, line_offset=1)
    meta, more = (
        validate_front_matter(node, rel) if node is not None or not problems else (None, [])
    )
    problems += more
    if meta is None:
        return None, problems, text
    return Article(slug, rel, meta, split.body, split.body_line), problems, text


def load_annotation_file(
    root: Path, path: Path
) -> tuple[AnnotationFile | None, list[Diagnostic], str | None]:
    """The annotations of ``path``, their problems, and the text they were made of."""
    rel = path.relative_to(root).as_posix()
    slug = path.stem
    if not model.is_slug(slug):
        return None, [_slug_problem(rel, slug, "annotation file")], None
    text, problems = read_repo_text(root, path, MAX_YAML_BYTES)
    if text is None:
        return None, problems, None
    node, problems = parse_yaml(text, rel)
    if node is None and problems:
        return None, problems, text
    annotation_file, more = validate_annotation_file(node, rel, slug)
    return annotation_file, problems + more, text


def load_sources(root: Path) -> tuple[dict[str, Source], list[Diagnostic]]:
    sources, problems, _ = _read_sources(root)
    return sources, problems


def _read_sources(root: Path) -> tuple[dict[str, Source], list[Diagnostic], bool]:
    """:func:`load_sources`, and whether the file could be read and parsed at all."""
    path = root / SOURCES_FILE
    if not path.exists() and not path.is_symlink():
        return {}, [], True
    rel = SOURCES_FILE.as_posix()
    text, problems = read_repo_text(root, path, MAX_YAML_BYTES)
    if text is None:
        return {}, problems, False
    node, problems = parse_yaml(text, rel)
    if node is None and problems:
        return {}, problems, False
    sources, more = validate_sources(node, rel)
    return sources, problems + more, True


def links_out_of_repo(root: Path, skip: set[Path]) -> list[Diagnostic]:
    """Symbolic links in the folders the site is built from that MkDocs must not follow.

    MkDocs walks ``docs/`` following links and copies every file it finds into the
    site: a link to ``/proc/self/environ`` or ``~/.ssh/id_rsa`` would publish it.
    Refused: a link that leads out of the repository, one that leads nowhere (or in a
    loop), and a link to a folder that contains it (the walk would never end).
    ``skip``: links whose own reader reports them (articles, annotation files).
    """
    root = root.resolve()
    problems: list[Diagnostic] = []
    for top in LINK_CHECKED_DIRS:
        for path in _symbolic_links(root / top):
            if path in skip:
                continue
            problem = _link_problem(path, root)
            if problem is not None:
                message, hint = problem
                rel = path.relative_to(root).as_posix()
                problems.append(error(Location(rel), "link-outside-repo", message, hint))
    return problems


def _symbolic_links(top: Path) -> list[Path]:
    """``top`` if it is a link, then every link under it, folder by folder (names
    sorted), without following links. The directory entries say what is a link,
    so 10,000 files cost no system call each (a preview reloads this per edit)."""
    found = [top] if top.is_symlink() else []
    folders = [str(top)] if top.is_dir() else []
    while folders:
        folder = folders.pop(0)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        below = []
        for entry in entries:
            if entry.is_symlink():
                found.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):
                below.append(entry.path)
        folders[:0] = below  # depth first, as os.walk
    return found


def _link_problem(path: Path, root: Path) -> tuple[str, str] | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return (
            "this symbolic link leads nowhere, or in a loop",
            "delete the link, or commit the file itself",
        )
    if not target.is_relative_to(root):
        what = "folder" if target.is_dir() else "file"
        return (
            f"this is a symbolic link to a {what} outside the repository; refusing to build",
            f"commit the {what} itself instead of a link",
        )
    if target.is_dir() and path.parent.resolve().is_relative_to(target):
        return (
            "this symbolic link leads to a folder that contains it: a loop",
            "delete the link",
        )
    return None


def _files(directory: Path, suffix: str) -> list[Path]:
    return [directory / name for name in _names(os.fspath(directory), suffix)]


def _names(directory: str, suffix: str) -> list[str]:
    """The names in ``directory`` ending in ``suffix`` that are not folders, sorted."""
    if not os.path.isdir(directory):
        return []
    with os.scandir(directory) as entries:
        return sorted(
            entry.name for entry in entries if _suffix(entry.name) == suffix and not _is_dir(entry)
        )


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """``Path.is_dir()`` of the entry: a link that loops or leads nowhere is no folder
    (its reader reports it), as ``pathlib`` has it."""
    try:
        return entry.is_dir()
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return False
        raise


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without making a path of each of 10,000 names."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def load_archive(
    root: Path, memo: LoadMemo | None = None, plan: ArchivePlan | None = None
) -> LoadResult:
    """Every article, annotation file and source of the repo at ``root``, validated.

    ``memo`` (kept by a long-lived caller such as a preview server, empty at
    first) lets a reload read again only the article and annotation files whose
    size, time or inode changed since, when the source registry and the list of
    articles are the same: an edit of one file out of 10,000 costs one file.
    ``plan``: :func:`plan_archive` of ``root`` when the caller made it just now.
    """
    if plan is None:
        plan = plan_archive(root)
    if memo is None:
        return assemble_archive(plan, {stem: load_files(plan, stem) for stem in plan.stems})
    context = (repr(sorted(plan.sources.items())), plan.sources_parsed, plan.broken_sources)
    context_key = hash((context, plan.article_stems))
    loaded: dict[str, LoadedFiles] = {}
    articles, annotations = plan.root / ARTICLES_DIR, plan.root / ANNOTATIONS_DIR
    for stem in plan.stems:
        stamp = (context_key, _stat(f"{articles}/{stem}.md"), _stat(f"{annotations}/{stem}.yml"))
        kept = memo.get(stem)
        if kept is not None and kept[0] == stamp:
            loaded[stem] = kept[1]
        else:
            loaded[stem] = load_files(plan, stem)
            memo[stem] = stamp, loaded[stem]
    for stem in set(memo) - set(loaded):
        del memo[stem]
    return assemble_archive(plan, loaded)


def reload_annotation_files(
    plan: ArchivePlan, archive: Archive, stems: Iterable[str]
) -> LoadResult:
    """``archive`` with the annotation files of ``stems`` read again, and their problems.

    For a caller that knows which files changed and that no file was added or
    removed since ``plan`` was made (a preview server, which stamps them): one
    edit out of 10,000 files reads one file, where :func:`load_archive` lists and
    stats them all. The checks of the whole archive (unused sources, links) are
    not repeated; a full load does them.
    """
    annotation_files = dict(archive.annotation_files)
    problems: list[Diagnostic] = []
    for stem in stems:
        files = load_files(plan, stem)
        problems += files.annotation_problems
        annotation_files.pop(stem, None)
        if files.annotation_file is not None:  # keyed as assemble_archive keys it
            annotation_files[files.annotation_file.slug] = files.annotation_file
    return LoadResult(Archive(archive.articles, annotation_files, archive.sources), problems)


def archive_fingerprint(root: Path) -> str:
    """A hash of everything :func:`load_archive` reads: each file's name and bytes, and
    every symbolic link in the folders MkDocs reads.

    Reading the files again is a small part of loading them (hashing 20 MB
    takes about 0.1 s); parsing and validating is the rest. Equal fingerprints
    mean :func:`load_archive` would give an equal result (a cache key).

    A build computes it on one core before anything else, so it goes by the
    directory entries and plain ``os`` calls: at 10,000 articles a ``Path`` per
    file made it 0.84 s, most of it pathlib's own (now 0.33 s).
    """
    root = root.resolve()
    digest = blake3.blake3()  # BLAKE3: 5 times SHA-256's speed here
    for folder, suffix in (
        (ARTICLES_DIR, ".md"),
        (ANNOTATIONS_DIR, ".yml"),
        (ANNOTATIONS_DIR, ".yaml"),
    ):
        directory, prefix = os.fspath(root / folder), folder.as_posix()
        for name in _names(directory, suffix):
            digest.update(f"{prefix}/{name}".encode("utf-8", "surrogatepass"))
            try:
                with open(os.path.join(directory, name), "rb", buffering=0) as file:
                    data = file.readall()
            except OSError as exc:
                data = f"\0unreadable\0{type(exc).__name__}".encode()
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    # load_archive also refuses symbolic links anywhere MkDocs reads (links_out_of_repo):
    # every link it looks at, where it points and whether that exists, is hashed. The
    # archive's own folders are among them, so a file that is a link is hashed here.
    for top in LINK_CHECKED_DIRS:
        for path in _symbolic_links(root / top):
            target = path.resolve(strict=False)
            digest.update(
                b"\0symlink\0"
                + os.fsencode(path.relative_to(root).as_posix())
                + b"\0"
                + os.fsencode(os.readlink(path))
                + b"\0"
                + os.fsencode(str(target))
                + (b"\0exists" if target.exists() else b"\0missing")
                + (b"\0dir" if target.is_dir() else b"")
            )
    return digest.hexdigest()


#: Per stem: what its files looked like when read, and what reading them gave.
LoadMemo = dict[str, tuple[tuple[object, ...], "LoadedFiles"]]


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


# The loading is split in three so that the independent part can run in worker processes
# (see :mod:`annotary.pipeline`): :func:`plan_archive` lists the files and reads the source
# registry, which every annotation file is checked against; :func:`load_files` reads one
# article and its annotation file, knowing only the plan; :func:`assemble_archive` puts the
# pieces together in the order a single pass would have found them and adds what only the
# whole archive knows (sources no annotation names, links that leave the repository).


@dataclass(frozen=True)
class ArchivePlan:
    """What is known before any article or annotation file is read."""

    root: Path
    """The repo root, resolved."""
    article_paths: tuple[Path, ...]
    """``docs/articles/*.md``, sorted."""
    annotation_paths: tuple[Path, ...]
    """``annotations/*.yml`` then ``*.yaml``, each sorted, without the sources file."""
    sources: dict[str, Source]
    source_problems: tuple[Diagnostic, ...]
    sources_parsed: bool
    """False when sources.yml could not be read or parsed: no reference can be judged."""
    broken_sources: frozenset[str]
    """Ids written in sources.yml but refused there: not "unknown" where they are named."""
    article_stems: tuple[str, ...]
    """The stem of every article file, in order, for "did you mean" hints."""
    listed: frozenset[Path]
    """Every file listed above, and a sources file listed with them: their readers
    report their links, :func:`links_out_of_repo` need not."""

    @property
    def stems(self) -> list[str]:
        """One unit of work per stem: ``docs/articles/STEM.md`` and ``annotations/STEM.yml``."""
        return list(self._stems)

    @functools.cached_property
    def _stems(self) -> dict[str, tuple[bool, bool]]:
        """Each stem, and whether it has an article file and a ``.yml`` annotation file."""
        stems = {p.stem: (True, False) for p in self.article_paths}
        for path in self.annotation_paths:
            if path.suffix == ".yml":
                stems[path.stem] = (path.stem in stems, True)
        return stems


def plan_archive(root: Path) -> ArchivePlan:
    """List the archive's files and read ``annotations/sources.yml``."""
    root = root.resolve()
    article_paths = _files(root / ARTICLES_DIR, ".md")
    yaml_paths = _files(root / ANNOTATIONS_DIR, ".yml") + _files(root / ANNOTATIONS_DIR, ".yaml")
    annotation_paths = [p for p in yaml_paths if p.name not in ("sources.yml", "sources.yaml")]
    sources, found, sources_parsed = _read_sources(root)
    broken = _declared_source_ids(root) - set(sources) if found else set()
    return ArchivePlan(
        root,
        tuple(article_paths),
        tuple(annotation_paths),
        sources,
        tuple(found),
        sources_parsed,
        frozenset(broken),
        tuple(p.stem for p in article_paths),
        frozenset([*article_paths, *yaml_paths]),
    )


@dataclass(frozen=True)
class LoadedFiles:
    """One article and its annotation file (either may be missing), read and checked."""

    article: Article | None = None
    article_problems: tuple[Diagnostic, ...] = ()
    annotation_file: AnnotationFile | None = None
    """The annotations, if the file was read and its article exists."""
    annotation_problems: tuple[Diagnostic, ...] = ()
    """The file's own problems, then its unknown sources or its missing article."""
    annotations_read: bool = True
    """False when the annotation file could not be read, or has an error."""
    has_article: bool = False
    """The article was loaded (kept when :meth:`summary` drops the article itself)."""
    annotation_count: int = 0
    used_sources: frozenset[str] = frozenset()
    """The source ids the included annotations name."""
    texts_digest: str | None = None
    """With an article: a digest of the texts its two files were read as, and their
    names. Reading is a pure function of those, so an equal digest (by the same code)
    means equal ``article`` and ``annotation_file``: a cache key that costs 15 µs
    where one of the models themselves costs 0.26 ms (see :func:`texts_digest`)."""

    def summary(self) -> LoadedFiles:
        """Only what the archive's problems and counts need: no article, no annotations."""
        return replace(self, article=None, annotation_file=None)


def load_files(plan: ArchivePlan, stem: str, *, digest: bool = True) -> LoadedFiles:
    """Read and check ``docs/articles/STEM.md`` and ``annotations/STEM.yml``, where they are;
    ``digest=False``: without :attr:`LoadedFiles.texts_digest` (lint has no use for it)."""
    root = plan.root
    has_article_file, has_annotation_file = plan._stems[stem]
    article: Article | None = None
    article_problems: list[Diagnostic] = []
    article_text: str | None = None
    article_path = root / ARTICLES_DIR / f"{stem}.md"
    if has_article_file:
        article, article_problems, article_text = load_article(root, article_path)
    if not has_annotation_file:
        return LoadedFiles(
            article,
            tuple(article_problems),
            has_article=article is not None,
            texts_digest=texts_digest(article.path, article_text) if article and digest else None,
        )
    annotation_path = root / ANNOTATIONS_DIR / f"{stem}.yml"
    rel = annotation_path.relative_to(root).as_posix()
    annotation_file, problems, annotation_text = load_annotation_file(root, annotation_path)
    read = annotation_file is not None and not any(p.is_error for p in problems)
    if annotation_file is not None:
        if article is None and not article_path.exists():
            suggestion = did_you_mean(annotation_file.slug, plan.article_stems)
            problems.append(
                error(
                    Location(rel),
                    "missing-article",
                    f"there is no article '{ARTICLES_DIR.as_posix()}/{annotation_file.slug}.md' "
                    "for these annotations",
                    f"did you mean '{suggestion}.yml'?"
                    if suggestion
                    else "archive the article first (annotary import-text), or rename this file",
                )
            )
            annotation_file = None
        elif plan.sources_parsed:  # else sources.yml's error says it all
            problems += _check_source_refs(annotation_file, plan.sources, set(plan.broken_sources))
    return LoadedFiles(
        article,
        tuple(article_problems),
        annotation_file,
        tuple(problems),
        read,
        has_article=article is not None,
        annotation_count=len(annotation_file.annotations) if annotation_file else 0,
        used_sources=_used_source_ids(annotation_file) if annotation_file else frozenset(),
        texts_digest=(
            texts_digest(article.path, article_text, rel, annotation_text)
            if article and digest
            else None
        ),
    )


def texts_digest(*parts: str | None) -> str:
    """A digest of an article's files as read: each name, then its text (``None``:
    not read). Each part is length-prefixed, so no two lists of parts collide."""
    digest = blake3.blake3(b"annotary-texts-1")
    for part in parts:
        if part is None:
            digest.update(b"\xff" * 8)  # no length is this long
            continue
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def assemble_archive(plan: ArchivePlan, loaded: Mapping[str, LoadedFiles]) -> LoadResult:
    """The archive and its problems, from :func:`load_files` of every stem of ``plan``.

    Problems come in the order one pass over the files finds them: articles, sources.yml,
    annotation files, then the checks of the whole archive.
    """
    root = plan.root
    problems: list[Diagnostic] = []
    articles: dict[str, Article] = {}
    for path in plan.article_paths:
        files = loaded[path.stem]
        problems += files.article_problems
        if files.article is not None:
            articles[files.article.slug] = files.article
    problems += plan.source_problems
    annotation_files: dict[str, AnnotationFile] = {}
    used: set[str] = set()
    all_files_read = True
    for path in plan.annotation_paths:
        if path.suffix == ".yaml":
            problems.append(
                error(
                    Location(path.relative_to(root).as_posix()),
                    "bad-file-name",
                    "annotation files end in '.yml'",
                    f"rename it to '{path.stem}.yml'",
                )
            )
            continue
        files = loaded[path.stem]
        problems += files.annotation_problems
        all_files_read = all_files_read and files.annotations_read
        used |= files.used_sources
        if files.annotation_file is not None:
            annotation_files[files.annotation_file.slug] = files.annotation_file
    if all_files_read and not any(p.is_error for p in problems):
        # with errors, a source may look unused only because a broken file names it
        problems += _unused_sources(plan.sources, used)
    problems += links_out_of_repo(root, {*plan.listed, root / SOURCES_FILE})
    return LoadResult(Archive(articles, annotation_files, plan.sources), problems)


_DECLARED_ID = re.compile(r"^[ \t]*(?:-[ \t]+)?id:[ \t]*[\"']?([^\"'\s#]+)", re.MULTILINE)


def _declared_source_ids(root: Path) -> set[str]:
    """Every id sources.yml declares, read from its lines: whether or not it is valid."""
    path = root / SOURCES_FILE
    text, _ = read_repo_text(root, path, MAX_YAML_BYTES) if path.is_file() else (None, [])
    return set(_DECLARED_ID.findall(text or ""))


def _check_source_refs(
    annotation_file: AnnotationFile, sources: dict[str, Source], broken: set[str] | None = None
) -> list[Diagnostic]:
    problems = []
    for annotation in annotation_file.annotations:
        for ref in annotation.source_refs:
            if ref.id in sources or ref.id in (broken or ()):
                continue
            suggestion = did_you_mean(ref.id, sources)
            if suggestion:
                hint = f"did you mean '{suggestion}'? "
                hint += f"every source must be registered in {SOURCES_FILE.as_posix()}"
            else:
                hint = (
                    f"register it in {SOURCES_FILE.as_posix()}, under 'sources:':\n"
                    f"  - id: {ref.id}\n"
                    "    name: …            # as the article names it\n"
                    "    kind: person       # person | organisation | anonymous | document | media"
                )
            problems.append(
                error(
                    ref.loc,
                    "unknown-source",
                    f"unknown source id '{ref.id}' in '{ref.field}'",
                    hint,
                )
            )
    return problems


def _used_source_ids(annotation_file: AnnotationFile) -> frozenset[str]:
    return frozenset(
        ref.id for annotation in annotation_file.annotations for ref in annotation.source_refs
    )


def _unused_sources(sources: dict[str, Source], used: set[str]) -> list[Diagnostic]:
    return [
        warning(
            source.loc,
            "unused-source",
            f"source '{source_id}' is not named by any annotation",
            "name it in an annotation (speaker, source or attributed_to), or remove it",
        )
        for source_id, source in sources.items()
        if source_id not in used
    ]


def without_problem_files(result: LoadResult) -> LoadResult:
    """The archive minus every file that has an error: what a build may still publish."""
    bad_files = {p.location.file for p in result.problems if p.is_error}
    archive = result.archive
    return replace(
        result,
        archive=Archive(
            {s: a for s, a in archive.articles.items() if a.path not in bad_files},
            {s: f for s, f in archive.annotation_files.items() if f.path not in bad_files},
            archive.sources,
        ),
    )

"""The whole core in one call: files → validated model → placed annotations.

``annotary lint``, ``annotary anchors`` and the site build all go through
:func:`check_archive`, so they can never disagree about where a quote is.

With a :class:`~annotary.cache.Cache`, the two costly steps of placing an
article are remembered across runs: its Markdown rendered to HTML (keyed by the
body, the Markdown settings and the versions of the extensions' packages) and
each annotation's anchor (keyed by the article's visible text and the
annotation's quote, prefix and suffix). Both are pure functions of those keys,
so a cached result is the result.

With ``jobs`` above 1, the articles are checked in forked worker processes, each
unit of work one article and its annotation file: read, validated and placed
where it is, only its results sent back. What only the whole archive knows (the
source registry, which every annotation file is checked against, unused sources,
links out of the repository) is read before the workers start or checked after
they finish, in this process. Each unit is checked by the same code whatever
the number of processes, and the results are put together in the order of one
pass over the files, so the diagnostics are the same, in the same order.
:func:`lint_archive` keeps only what ``annotary lint`` prints, which is little
to send back; :func:`check_archive` keeps everything.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import importlib.util
import json
import multiprocessing
import os
import signal
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .anchoring import AnchorResult, Occurrence
from .archive import (
    ArchivePlan,
    LoadedFiles,
    LoadResult,
    assemble_archive,
    load_files,
    plan_archive,
)
from .cache import distribution_versions, paused_gc
from .diagnostics import Diagnostic, sort_diagnostics
from .markup import MarkdownConfig, markdown_config_from_mkdocs_yml
from .model import Annotation, AnnotationFile, Archive, Article
from .placement import (
    PlacedArticle,
    anchor_annotation,
    place_annotations,
    placement_problems,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .cache import Cache


class _Problems:
    """``errors`` and ``warnings`` of a result that holds ``problems``."""

    problems: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [p for p in self.problems if not p.is_error]


@dataclass
class CheckedArchive(_Problems):
    archive: Archive
    placed: dict[str, PlacedArticle] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


@dataclass
class LintReport(_Problems):
    """What ``annotary lint`` prints: every problem of the archive, and what was checked."""

    problems: list[Diagnostic]
    articles: int
    annotations: int
    sources: int


def place_article_annotations(
    loaded: LoadResult,
    slug: str,
    markdown_config: MarkdownConfig,
    *,
    cache: Cache | None = None,
) -> tuple[PlacedArticle, list[Diagnostic]]:
    archive = loaded.archive
    article = archive.articles[slug]
    annotation_file = archive.annotation_files.get(slug)
    return _place(article, annotation_file, markdown_config, cache)


def _place(
    article: Article,
    annotation_file: AnnotationFile | None,
    markdown_config: MarkdownConfig,
    cache: Cache | None,
) -> tuple[PlacedArticle, list[Diagnostic]]:
    annotations = annotation_file.annotations if annotation_file else ()
    html = render_markdown(markdown_config, article.body, cache)
    placed = place_annotations_cached(html, annotations, cache)
    return placed, placement_problems(article.path, placed)


def check_archive(
    root: Path,
    markdown_config: MarkdownConfig | None = None,
    only: str | None = None,
    *,
    cache: Cache | None = None,
    jobs: int | None = 1,
) -> CheckedArchive:
    """Validate every file and place every annotation; ``only`` limits placing to one slug.

    ``cache`` remembers rendered Markdown and anchors across runs (see the module doc).
    ``jobs``: how many processes may share the work (``None``: :func:`resolve_jobs`); the
    result is the same whatever the number.
    """
    plan, results = _check_files(root, markdown_config, only, cache, jobs, keep=True)
    loaded = assemble_archive(plan, {stem: r.files for stem, r in results.items()})
    checked = CheckedArchive(loaded.archive, problems=list(loaded.problems))
    for slug in sorted(loaded.archive.articles):
        result = results[slug]
        if result.placed is not None:
            checked.placed[slug] = result.placed
        checked.problems += result.problems
    checked.problems = sort_diagnostics(checked.problems)
    return checked


def lint_archive(
    root: Path,
    markdown_config: MarkdownConfig | None = None,
    *,
    cache: Cache | None = None,
    jobs: int | None = 1,
) -> LintReport:
    """:func:`check_archive`'s problems and counts, without keeping the archive's contents.

    The same checks, the same diagnostics in the same order; only what ``annotary lint``
    prints is kept, so worker processes have little to send back.
    """
    plan, results = _check_files(root, markdown_config, None, cache, jobs, keep=False)
    loaded = assemble_archive(plan, {stem: r.files for stem, r in results.items()})
    problems = list(loaded.problems)
    articles = annotations = 0
    for stem in sorted(results):
        files = results[stem].files
        if files.has_article:
            articles += 1
            problems += results[stem].problems
        annotations += files.annotation_count
    return LintReport(sort_diagnostics(problems), articles, annotations, len(plan.sources))


# --- One article at a time, in this process or in several ---------------------------------

#: Below this many articles (and annotation files), starting worker processes costs
#: more than it saves: the files are checked in this process.
PARALLEL_MIN_FILES = 50
#: Units of work (one article and its annotation file) handed to a worker at a time.
CHUNK_FILES = 8
#: Chunks handed to each forked worker ahead of its work, so that it never waits for
#: this process (which hands them out between two chunks of its own).
CHUNKS_AHEAD = 4
#: The environment variable that sets how many processes ``annotary lint`` uses.
JOBS_VARIABLE = "ANNOTARY_JOBS"


class WorkerError(RuntimeError):
    """A worker process died (killed, out of memory, a crash of a C extension)."""


def parse_jobs(text: str, what: str = "--jobs") -> int | None:
    """A number of processes as written by a person: ``N`` >= 1, or ``auto`` (``None``)."""
    value = text.strip().lower()
    if value == "auto":
        return None
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ValueError(
            f"{what} must be a number of processes (1 or more) or 'auto', not '{text}'"
        )
    return jobs


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve_jobs(jobs: int | None) -> int:
    """``jobs``, or when ``None`` the :data:`JOBS_VARIABLE` setting, else every available CPU.

    Raises :class:`ValueError` for a number below 1 or a setting that is not a number.
    """
    if jobs is None:
        setting = os.environ.get(JOBS_VARIABLE, "").strip()
        chosen = parse_jobs(setting, JOBS_VARIABLE) if setting else None
        jobs = available_cpus() if chosen is None else chosen
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, not {jobs}")
    return jobs


def _fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class _StemResult:
    """One unit of work done: the files of a stem read, its article placed."""

    files: LoadedFiles
    placed: PlacedArticle | None = None
    problems: tuple[Diagnostic, ...] = ()
    #: The article's digest of its files, when the job asked for one and there is an article.
    fingerprint: Fingerprinted | None = None
    #: Cache entries used, hits and misses in a worker process, for the parent's cache.
    cache_usage: tuple[dict[str, set[str]], int, int] | None = None


@dataclass(frozen=True)
class _Job:
    """Everything a unit of work needs besides its stem: the same in every process."""

    plan: ArchivePlan
    markdown_config: MarkdownConfig
    only: str | None
    cache: Cache | None
    keep: bool
    #: False: the files are read and checked, their quotes are not placed.
    place: bool = True
    #: Give each article's :attr:`~annotary.archive.LoadedFiles.texts_digest`, with the
    #: objects it is of, where they are loaded.
    fingerprint: bool = False

    def run(self, stem: str) -> _StemResult:
        files = load_files(self.plan, stem, digest=self.fingerprint)
        placed: PlacedArticle | None = None
        problems: list[Diagnostic] = []
        article = files.article if self.place else None
        if article is not None and self.only is not None and article.slug != self.only:
            article = None
        if not self.keep and not (files.annotation_file and files.annotation_file.annotations):
            article = None  # no annotation to place: nothing to say about placing
        if article is not None:
            placed, problems = _place(
                article, files.annotation_file, self.markdown_config, self.cache
            )
        fingerprinted = None
        if self.fingerprint:
            fingerprinted = Fingerprinted.of(files)
        if not self.keep:
            files, placed = files.summary(), None
        return _StemResult(files, placed, tuple(problems), fingerprinted)


def load_archive_in_workers(root: Path, jobs: int | None = None) -> LoadResult:
    """:func:`~annotary.archive.load_archive`, the files read and checked in forked
    worker processes (``jobs`` as in :func:`check_archive`): the same result, in about
    half the time on two cores. Not for a process that runs threads (a fork copies
    their locks, not the threads); a single job or too few files load in this process.
    """
    return load_archive_fingerprinted(root, jobs, fingerprints=False)[0]


@dataclass(frozen=True)
class Fingerprinted:
    """A digest of an article and its annotations, with the model objects it is of:
    a caller checks that its archive holds those very objects (``is``) before it
    uses the digest for them."""

    article: Article
    annotation_file: AnnotationFile | None
    fingerprint: str

    @classmethod
    def of(cls, files: LoadedFiles) -> Fingerprinted | None:
        """The files' :attr:`~annotary.archive.LoadedFiles.texts_digest`, if they
        hold an article."""
        if files.article is None or files.texts_digest is None:
            return None
        return cls(files.article, files.annotation_file, files.texts_digest)


def load_archive_fingerprinted(
    root: Path, jobs: int | None = None, *, fingerprints: bool = True
) -> tuple[LoadResult, dict[str, Fingerprinted]]:
    """:func:`load_archive_in_workers`, and each loaded article's :class:`Fingerprinted`
    digest of its files' texts, by slug (none with ``fingerprints=False``).

    The digests are made where the files are read, of the texts as read, so that
    no file edited meanwhile can give a model and a digest that disagree.
    """
    workers = resolve_jobs(jobs)
    plan = plan_archive(root)
    stems = plan.stems
    if len(stems) < PARALLEL_MIN_FILES or not _fork_available():
        workers = 1
    job = _Job(
        plan, MarkdownConfig(()), None, None, keep=True, place=False, fingerprint=fingerprints
    )
    with paused_gc():
        if min(workers, len(stems) // CHUNK_FILES) < 2:
            results = {stem: job.run(stem) for stem in stems}
        else:
            results = _run_in_workers(job, stems, min(workers, len(stems) // CHUNK_FILES))
    loaded = assemble_archive(plan, {stem: r.files for stem, r in results.items()})
    found = {
        result.fingerprint.article.slug: result.fingerprint
        for result in results.values()
        if result.fingerprint is not None
    }
    return loaded, found


def _check_files(
    root: Path,
    markdown_config: MarkdownConfig | None,
    only: str | None,
    cache: Cache | None,
    jobs: int | None,
    *,
    keep: bool,
) -> tuple[ArchivePlan, dict[str, _StemResult]]:
    """Every stem of the archive at ``root`` loaded and placed, in one process or several."""
    workers = resolve_jobs(jobs)
    if markdown_config is None:
        markdown_config = markdown_config_from_mkdocs_yml(root / "mkdocs.yml")
    plan = plan_archive(root)
    stems = plan.stems
    if cache is not None:
        markdown_fingerprint(markdown_config)  # computed once, before the workers start
    job = _Job(plan, markdown_config, only, cache, keep)
    serial = only is not None or len(stems) < PARALLEL_MIN_FILES or not _fork_available()
    workers = 1 if serial else min(workers, len(stems) // CHUNK_FILES)
    with paused_gc():
        if workers < 2:
            return plan, {stem: job.run(stem) for stem in stems}
        return plan, _run_in_workers(job, stems, workers)


def _run_in_workers(job: _Job, stems: list[str], workers: int) -> dict[str, _StemResult]:
    """Every stem's result, by ``workers`` processes: this one and ``workers - 1`` forked.

    The forked ones are handed chunks of stems from the end, a few ahead each; this
    process takes them from the start, until the two meet. So this process's core
    loads too instead of waiting, and only the other processes' results are pickled
    and sent: at 1,000 articles, sending the whole archive cost 0.6 s of CPU.
    """
    cache = job.cache
    chunks = [stems[i : i + CHUNK_FILES] for i in range(0, len(stems), CHUNK_FILES)]
    done: dict[int, list[_StemResult]] = {}
    front, back = 0, len(chunks)  # the chunks not handed out yet: [front, back)
    ahead = CHUNKS_AHEAD * (workers - 1)
    with _worker_pool(workers - 1, job) as pool:
        sent: dict[int, Future[list[_StemResult]]] = {}
        while True:
            for number in [n for n, future in sent.items() if future.done()]:
                done[number] = sent.pop(number).result()
            while back > front and len(sent) < ahead:
                back -= 1
                sent[back] = pool.submit(_work_chunk, chunks[back])
            if front == back:
                break
            done[front] = [job.run(stem) for stem in chunks[front]]
            front += 1
        for number, future in sent.items():
            done[number] = future.result()
    results: dict[str, _StemResult] = {}
    for number, chunk in enumerate(chunks):
        for stem, result in zip(chunk, done[number], strict=True):
            if result.cache_usage is not None and cache is not None:
                _merge_cache_usage(cache, *result.cache_usage)
            results[stem] = result
    return results


def _work_chunk(stems: list[str]) -> list[_StemResult]:
    return [_work(stem) for stem in stems]


# The job of a worker process: set by the initializer, which a forked worker receives
# without pickling (the plan and the cache are the parent's own objects).
_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job
    # Ctrl-C is the parent's to handle: it stops the workers itself (see _worker_pool)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # as in the parent (see paused_gc), whatever the parent's setting


def _work(stem: str) -> _StemResult:
    job = _WORKER_JOB
    assert job is not None, "not in a worker process"
    cache = job.cache
    if cache is None:
        return job.run(stem)
    # counted afresh for each unit, and reported to the parent (see _merge_cache_usage)
    cache._used, cache.hits, cache.misses = {}, 0, 0
    result = job.run(stem)
    usage = (cache._used, cache.hits, cache.misses)
    return replace(result, cache_usage=usage)


def _merge_cache_usage(cache: Cache, used: dict[str, set[str]], hits: int, misses: int) -> None:
    """Count a worker's use of the cache as this process's own, so that a sweep keeps it."""
    for namespace, keys in used.items():
        cache._used.setdefault(namespace, set()).update(keys)
    cache.hits += hits
    cache.misses += misses


@contextlib.contextmanager
def _worker_pool(workers: int, job: _Job) -> Iterator[ProcessPoolExecutor]:
    """Forked worker processes, always stopped when the block ends, whatever ends it.

    A worker that dies makes the pool raise :class:`WorkerError` instead of waiting for
    an answer that will never come; an interrupt stops the workers at once.
    """
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(job,)
    )
    try:
        yield pool
    except BrokenProcessPool as exc:
        _stop(pool)
        raise WorkerError(
            "a worker process stopped unexpectedly while checking the archive (it may have "
            f"run out of memory or been killed); run again with --jobs 1 or {JOBS_VARIABLE}=1 "
            "to check the archive in a single process"
        ) from exc
    except BaseException:
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now, without waiting for the work they were given."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.terminate()


# --- Rendering, remembered -----------------------------------------------------------------


def render_markdown(config: MarkdownConfig, body: str, cache: Cache | None = None) -> str:
    """``config.render(body)``, from the cache when the same body was rendered alike before
    (plain Markdown is rendered again: that is quicker than a cache entry)."""
    plain = config.render_plain(body)
    if plain is not None:
        return plain
    fingerprint = markdown_fingerprint(config) if cache is not None else None
    if cache is None or fingerprint is None:
        return config.render(body)
    html: str = cache.get_or_compute(
        "markdown",
        (fingerprint, body),
        lambda: config.render(body),
        lambda value: isinstance(value, str),
    )
    return html


def markdown_fingerprint(config: MarkdownConfig) -> str | None:
    """Everything besides the text that shapes ``config.render``'s output, or ``None``.

    The extension names and settings, the version of Python-Markdown and the
    installed files of any other package that provides an extension (an upgrade
    changes them). ``None`` (do not cache) when a setting is not plain data,
    e.g. a function given with ``!!python/name:``, which no string can stand for.
    """
    try:
        settings = json.dumps(
            [list(config.extensions), {name: dict(c) for name, c in config.configs.items()}],
            sort_keys=True,
        )
    except (TypeError, ValueError):
        return None
    return settings + "\0" + _extension_versions(tuple(config.extensions))


@functools.cache
def _extension_versions(extensions: tuple[str, ...]) -> str:
    parts = [distribution_versions(["markdown"])]
    # Built-in extensions are named "toc" or "markdown.extensions.toc"; any other
    # package is described by its files' sizes and times (reading every installed
    # distribution's metadata to find its version would take most of a second).
    tops = {e.split(".", 1)[0].split(":", 1)[0] for e in extensions if "." in e} - {"markdown"}
    for top in sorted(tops):
        parts.append(f"{top}:{_package_stamp(top)}")
    return ";".join(parts)


def _package_stamp(name: str) -> str:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return "-"
    origin = Path(spec.origin)
    files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
    digest = hashlib.sha256()
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


# --- Anchoring, remembered -----------------------------------------------------------------


def place_annotations_cached(
    html: str, annotations: Sequence[Annotation], cache: Cache | None = None
) -> PlacedArticle:
    """:func:`~annotary.placement.place_annotations`, with each anchor remembered.

    One cache entry per visible text holds the anchors of the annotations placed
    in it, by quote, prefix and suffix: editing one annotation anchors only that
    one again, and annotations that are gone drop out of the entry.
    """
    if cache is None:
        return place_annotations(html, annotations)
    memo = _AnchorMemo(cache)
    placed = place_annotations(html, annotations, memo)
    memo.save()
    return placed


class _AnchorMemo:
    """An :data:`~annotary.placement.Anchor` that reads and fills one cache entry."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.key: str | None = None
        self.stored: dict[str, Any] = {}
        self.results: dict[str, Any] = {}

    def __call__(self, text: str, annotation: Annotation) -> AnchorResult:
        if self.key is None:
            self.key = self.cache.key("anchors", text)
            stored = self.cache.get("anchors", self.key)
            self.stored = stored if isinstance(stored, dict) else {}
        # repr, not JSON: four times faster, and any string (a lone surrogate too) goes
        quote_key = repr((annotation.quote, annotation.prefix, annotation.suffix))
        result = _result_from_json(self.stored.get(quote_key), len(text))
        if result is None:
            result = anchor_annotation(text, annotation)
        self.results[quote_key] = _result_to_json(result)
        return result

    def save(self) -> None:
        if self.key is not None and self.results != self.stored:
            self.cache.put("anchors", self.key, self.results)


def _result_to_json(result: AnchorResult) -> dict[str, Any]:
    return {
        "state": result.state,
        "start": result.start,
        "end": result.end,
        "similarity": result.similarity,
        "occurrences": [[o.start, o.end, o.prefix, o.suffix] for o in result.occurrences],
        "candidate": list(result.candidate) if result.candidate is not None else None,
        "reason": result.reason,
    }


def _result_from_json(value: object, size: int) -> AnchorResult | None:
    """The stored result, or ``None`` if it is not one (offsets beyond ``size`` included)."""
    if not isinstance(value, dict):
        return None
    try:
        state = value["state"]
        start, end = value["start"], value["end"]
        similarity = value["similarity"]
        occurrences = tuple(
            Occurrence(_offset(s, size), _offset(e, size), _text(p), _text(x))
            for s, e, p, x in value["occurrences"]
        )
        candidate = value["candidate"]
        if candidate is not None:
            candidate = (_offset(candidate[0], size), _offset(candidate[1], size))
        reason = value["reason"]
        if (
            state not in ("exact", "drifted", "orphan", "ambiguous")
            or not isinstance(similarity, float | int)
            or isinstance(similarity, bool)
            or not isinstance(reason, str)
        ):
            return None
        if state in ("exact", "drifted"):
            start, end = _offset(start, size), _offset(end, size)
            if start >= end:
                return None
        elif start is not None or end is not None:
            return None
        return AnchorResult(state, start, end, float(similarity), occurrences, candidate, reason)
    except (KeyError, TypeError, ValueError):
        return None


def _offset(value: object, size: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= size:
        raise ValueError(value)
    return value


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(value)
    return value

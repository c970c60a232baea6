"""Raw scraped text → an archived article (front matter + Markdown body).

A pure module: it takes the text of a scraped page and the article's metadata
and returns the whole ``docs/articles/<slug>.md`` file as a string. Reading and
writing files is the CLI's business.

What it does, in order:

1. Normalise the text: line ends (CRLF/CR → LF), a leading BOM, control
   characters (white-space ones become a space, the others are removed: they are
   not text, and Python-Markdown deletes some of them anyway).
2. Drop scraping boilerplate (ad markers, share prompts, image credits…) by the
   documented rules of :data:`BOILERPLATE`. Only whole lines are dropped, never a
   line that reads as a sentence (except behind an explicit page label such as
   ``Image caption,``), and each dropped line is reported.
3. Take the byline: the short lines before the first paragraph-like line; the
   first names the author(s), the second, if any, is their role.
4. Write each remaining line as one paragraph, escaped by
   :func:`escape_markdown_line` so that the reader sees exactly the captured
   text, whatever Markdown-special characters it holds.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from .model import SLUG_MAX_LENGTH, is_slug

__all__ = [
    "BOILERPLATE",
    "ArticleMetadata",
    "Boilerplate",
    "ImportedArticle",
    "escape_markdown_line",
    "import_text",
    "match_boilerplate",
    "slugify",
]


@dataclass(frozen=True)
class ArticleMetadata:
    """What the caller knows about the article; the text supplies the rest."""

    title: str
    outlet: str
    captured: datetime.date
    #: Empty: take the author(s) from the byline found in the text.
    authors: tuple[str, ...] = ()
    #: ``None``: take the role from the byline found in the text.
    author_role: str | None = None
    published: datetime.date | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedArticle:
    """The article file to write, and what was taken out of the text on the way."""

    slug: str
    #: The whole file: front matter + body.
    markdown: str
    #: Boilerplate lines removed, in text order, so the CLI can tell the user.
    dropped_lines: tuple[str, ...]
    #: Lines taken as the byline (removed from the body), in text order.
    byline: tuple[str, ...]


# --------------------------------------------------------------------------- slugs

#: Letters NFKD does not decompose into ASCII.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ı": "i",
    }
)


def slugify(title: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """A slug for ``title``: lowercase ASCII letters, digits and single hyphens.

    Accents are transliterated (``é`` → ``e``), apostrophes and thousands
    separators vanish (``Russia's`` → ``russias``, ``1,000`` → ``1000``), every
    other run of non-alphanumerics becomes one hyphen. A slug longer than
    ``max_length`` is cut at the last word boundary that fits (mid-word only when
    the first word alone is too long).

    Raises:
        ValueError: the title has no ASCII letter or digit, even transliterated.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, not {max_length}")
    text = unicodedata.normalize("NFKD", title.translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"(?<=[a-z0-9])['’](?=[a-z0-9])", "", text)
    text = re.sub(r"(?<=[0-9]),(?=[0-9]{3}\b)", "", text)
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if not slug:
        raise ValueError(f"cannot make a slug from {title!r}: give one explicitly")
    if len(slug) > max_length:
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[:cut] if cut > 0 else slug[:max_length].rstrip("-")
    return slug


# --------------------------------------------------------------------- boilerplate


@dataclass(frozen=True)
class Boilerplate:
    """One rule for a line of page furniture that is not part of the article."""

    name: str
    #: Matched against the whole stripped line, case-insensitively.
    pattern: re.Pattern[str]
    #: Only in the leading or trailing run of furniture, never mid-article.
    edge_only: bool = False
    #: May drop a line that reads as a sentence: only for explicit page labels.
    sentences: bool = False


def _rule(
    name: str, pattern: str, *, edge_only: bool = False, sentences: bool = False
) -> Boilerplate:
    return Boilerplate(name, re.compile(pattern, re.IGNORECASE), edge_only, sentences)


_AGENCIES = (
    r"(?:getty\s+images|afp|reuters|ap|epa(?:-efe)?|pa(?:\s+media|\s+wire)?|anadolu(?:\s+agency)?"
    r"|shutterstock|alamy|bloomberg|xinhua|tass|ria\s+novosti|yonhap|kcna|sputnik|eyevine)"
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}\s+{_MONTHS}\.?,?\s+\d{{4}}|{_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago)"
)

#: The rules, each matched against a whole stripped line (never a part of one).
BOILERPLATE: tuple[Boilerplate, ...] = (
    # Ad slot labels: "AD", "Ads", "Advert", "ADVERTISEMENT", "ARTICLE AD", "Top ad".
    _rule(
        "ad-marker",
        r"(?:(?:article|top|bottom|inline|sidebar)\s+)?(?:ads?|adverts?|advertisements?)",
    ),
    # Ad banner sizes, alone or with the slot's label: "300x250", "468x60 AD AFTER 4 POSTS".
    _rule("ad-banner-size", r"\d{2,4}\s?[x×]\s?\d{2,4}(?:\s+ads?\b.*)?"),
    # Ad controls: "Skip advertisement", "Close ad", "Hide this advert".
    _rule(
        "ad-control", r"(?:skip|close|hide|remove)\s+(?:this\s+)?(?:ads?|adverts?|advertisements?)"
    ),
    # "Story continues below advertisement", "Article continues after this ad".
    _rule(
        "ad-continues",
        r"(?:the\s+)?(?:story|article|text|content)\s+continues\s+(?:below|after)\s+"
        r"(?:the\s+|this\s+)?(?:ads?|adverts?|advertisements?)",
    ),
    # "Advertisement - Scroll to continue", "Advert: continue reading".
    _rule("ad-scroll", r"(?:ads?|adverts?|advertisements?)\s*[-–—:|·]\s*(?:scroll|continue)\b.*"),
    # "Sponsored content", "Promoted stories", "Paid post by …", "Partner content".
    _rule(
        "sponsored",
        r"(?:sponsored|promoted)(?:\s+by\s+.{1,40})?"
        r"|(?:sponsored|promoted|paid|partner)\s+(?:content|posts?|links?|stories|story)"
        r"(?:\s+by\s+.{1,40})?",
    ),
    # Share buttons and prompts: "Share", "Save", "Share this article", "Share on Facebook".
    _rule(
        "share",
        r"(?:share|save|print|copy\s+link|share\s+(?:this|the)\s+(?:article|story|page|post|video))"
        r"(?:\s+(?:on|via)\s+.{1,30})?",
    ),
    # Social follow prompts: "Follow us on X", "Follow BBC News on Instagram".
    _rule(
        "follow",
        r"follow\s+(?:us|.{1,40}?)\s+on\s+(?:twitter|x|facebook|instagram|tiktok|youtube|linkedin"
        r"|threads|bluesky|whatsapp|telegram|mastodon|social\s+media|google\s+news)\b.{0,40}",
    ),
    # Newsletter prompts: "Sign up for our newsletter", "Subscribe to our daily alerts".
    _rule(
        "newsletter",
        r"(?:sign\s+up|subscribe|register)\b.{0,40}\b(?:newsletters?|alerts?|updates|"
        r"briefings?|emails?)\b.{0,40}",
    ),
    # Cookie banners, also as sentences: "We use cookies to …", "Accept all cookies".
    _rule(
        "cookie-notice",
        r"(?:(?:we|this\s+(?:web)?site|our\s+(?:web)?site)\s+uses?\s+cookies\b.*"
        r"|(?:accept|reject|allow|manage|decline)\s+(?:all\s+|optional\s+)?cookies"
        r"|cookie\s+(?:settings|policy|preferences|notice|consent))",
        sentences=True,
    ),
    # Image/video labels, also before a sentence: "Image source, Getty Images",
    # "Image caption, Troops in Kursk…", "Media caption, …".
    _rule(
        "image-label",
        r"(?:image|media|video|photo|picture)\s+(?:source|caption|copyright|credit)\s*[,:].*",
        sentences=True,
    ),
    # Bare photo credits: "Getty Images", "AFP via Getty Images", "Reuters", "© EPA-EFE".
    _rule(
        "image-credit",
        rf"(?:©\s*|(?:photo|image|picture)\s*(?:credit)?\s*:\s*)?{_AGENCIES}"
        rf"(?:\s*(?:/|via)\s*{_AGENCIES})?",
    ),
    # Labelled photo credits: "Photo: Jane Doe/Reuters", "Credit: …".
    _rule("photo-credit", r"(?:photo|photograph|picture|credit)s?\s*:\s*.{1,60}"),
    # Timestamps of the page, top or bottom only: "Published 22 January 2025", "3 hours ago".
    _rule(
        "timestamp",
        rf"(?:(?:published|updated|last\s+updated|posted)(?:\s+on)?\s*:?\s*)?{_DATE}.{{0,20}}"
        r"|(?:published|updated|last\s+updated)",
        edge_only=True,
    ),
    # Navigation around the article, top or bottom only: "Related Topics", "Read more".
    _rule(
        "navigation",
        r"(?:related\s+(?:topics|stories|content|articles|internet\s+links)|more\s+on\s+this\s+story"
        r"|read\s+more|top\s+stories|most\s+read|more\s+from\s+.{1,30}|listen\s+to\s+this\s+article"
        r"|comments?|\d+\s+comments?)",
        edge_only=True,
    ),
)

#: Longest line any rule may drop unless it allows sentences.
_MAX_BOILERPLATE_LENGTH = 80
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")


def _reads_as_sentence(line: str) -> bool:
    """Long, or ends like a sentence and has a few words: the article's text, not furniture."""
    if len(line) > _MAX_BOILERPLATE_LENGTH:
        return True
    return _SENTENCE_END.search(line) is not None and len(line.split()) >= 4


def match_boilerplate(line: str, *, at_edge: bool = True) -> Boilerplate | None:
    """The rule that makes ``line`` boilerplate, or ``None`` for a line of the article.

    ``at_edge``: the line is in the leading or trailing run of furniture, where
    the :attr:`~Boilerplate.edge_only` rules also apply.
    """
    text = line.strip()
    if not text:
        return None
    sentence = _reads_as_sentence(text)
    for rule in BOILERPLATE:
        if rule.edge_only and not at_edge:
            continue
        if sentence and not rule.sentences:
            continue
        if rule.pattern.fullmatch(text):
            return rule
    return None


# ------------------------------------------------------------------------ escaping

#: White space that Markdown and the reader's view treat as layout.
_ASCII_SPACE = " \t\n\r\f\v"
#: Special everywhere in a line: escapes, code spans, emphasis, links, images,
#: footnote references, attribute lists. ``\`` itself first.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]{}])")
#: Special only at the start of a line: headings, blockquotes, lists, admonitions.
_LEADING_SPECIAL = re.compile(r"^([#>+\-!])")
#: An ordered list item: the dot after the leading number.
_LEADING_NUMBER = re.compile(r"^(\d+)\.")


def escape_markdown_line(line: str) -> str:
    """One line of text as one Markdown paragraph that renders to the same visible text.

    Leading and trailing ASCII white space is stripped: indentation would make a
    code block, and a reader's view collapses it anyway. Other leading white
    space (a no-break space), which a reader does see but Markdown would strip,
    starts with a character reference. Everywhere, ``\\ ` * _ [ ] { }`` get a
    backslash and ``&`` and ``<`` become entities, so no emphasis, code, link,
    image, footnote, attribute list, HTML or entity appears by accident. At the
    start, ``# > + - !`` get a backslash and a number's dot too (no heading,
    blockquote, list, rule or admonition), a ``~`` becomes ``&#126;`` (no code
    fence). ``|`` and ``=`` stay as they are: a table and a setext heading need a
    second line, and a paragraph here is always one line.
    """
    text = line.strip(_ASCII_SPACE)
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    if text[:1].isspace():
        # Other white space (no-break, ideographic…) is text a reader sees, but
        # Markdown strips it from the start of a paragraph: keep it as a reference.
        return f"&#{ord(text[0])};" + text[1:]
    text = _LEADING_SPECIAL.sub(r"\\\1", text)
    text = _LEADING_NUMBER.sub(r"\1\\.", text)
    if text.startswith("~"):
        text = "&#126;" + text[1:]
    return text


# ------------------------------------------------------------------------- import

#: Longest line taken as a byline line.
_MAX_BYLINE_LENGTH = 60
#: Lowercase words that may appear in a person's name.
_NAME_PARTICLES = frozenset(
    {"al", "bin", "binti", "da", "das", "de", "del", "della", "der", "di", "dos", "du", "el"}
    | {"ibn", "la", "le", "st", "ten", "ter", "van", "von", "y", "zu"}
)
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+(?:and|&)\s+")
_BY = re.compile(r"^by\s+", re.IGNORECASE)


def _normalise(raw: str) -> list[str]:
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        (" " if ch.isspace() else "")
        if unicodedata.category(ch) == "Cc" and ch not in "\n\t"
        else ch
        for ch in text
    )
    return text.split("\n")


def _is_paragraph(line: str) -> bool:
    return len(line) > _MAX_BYLINE_LENGTH or _SENTENCE_END.search(line) is not None


def _is_name_word(word: str) -> bool:
    letters = word.lstrip("\"'“‘(")
    return bool(letters) and (letters[0].isupper() or letters.lower() in _NAME_PARTICLES)


def _split_authors(line: str) -> tuple[str, ...] | None:
    """The names on an author line, or ``None`` if the line does not look like one."""
    names_text, had_by = _BY.subn("", line, count=1)
    names = tuple(n.strip() for n in _AUTHOR_SEPARATOR.split(names_text) if n.strip())
    if not names or not _is_name_word(names[0].split()[0]):
        return None
    # After "By", any wording ("By BBC Verify team"); without it, names only.
    if not had_by and not all(_is_name_word(w) for n in names for w in n.split()):
        return None
    return names


def import_text(raw: str, meta: ArticleMetadata, slug: str | None = None) -> ImportedArticle:
    """The archived article for the scraped text ``raw``.

    Args:
        raw: The page's text, one paragraph a line.
        meta: What the text does not say; its authors and role override the byline's.
        slug: The article's slug; ``None`` makes one from the title.

    Raises:
        ValueError: no byline and no authors given, a bad slug, or no text left.
    """
    if slug is None:
        slug = slugify(meta.title)
    elif not is_slug(slug):
        raise ValueError(
            f"invalid slug {slug!r}: use lowercase ASCII letters, digits and single "
            f"hyphens, at most {SLUG_MAX_LENGTH} characters"
        )

    # Lines keep their white space for the body; what is reported is stripped.
    lines = [line for line in _normalise(raw) if line.strip()]
    # Furniture before and after the article, where the edge-only rules apply too.
    start, end = 0, len(lines)
    while start < end and match_boilerplate(lines[start], at_edge=True) is not None:
        start += 1
    while end > start and match_boilerplate(lines[end - 1], at_edge=True) is not None:
        end -= 1
    dropped = [line.strip() for line in lines[:start]]
    middle = lines[start:end]

    # The header: the short lines before the first paragraph-like one. Still
    # page furniture territory (a timestamp between author and role), so the
    # edge-only rules apply there too.
    header_end = next(
        (i for i, line in enumerate(middle) if _is_paragraph(line.strip())), len(middle)
    )
    header: list[str] = []
    for line in middle[:header_end]:
        if match_boilerplate(line, at_edge=True) is not None:
            dropped.append(line.strip())
        else:
            header.append(line)
    byline: list[str] = []
    byline_authors: tuple[str, ...] = ()
    byline_role: str | None = None
    if header and (names := _split_authors(header[0].strip())) is not None:
        byline_authors = names
        byline = [line.strip() for line in header[:2]]
        if len(byline) == 2:
            byline_role = byline[1]

    body = header[len(byline) :]
    for line in middle[header_end:]:
        if match_boilerplate(line, at_edge=False) is not None:
            dropped.append(line.strip())
        else:
            body.append(line)
    dropped.extend(line.strip() for line in lines[end:])

    authors = meta.authors or byline_authors
    if not authors:
        raise ValueError(
            "no byline found at the top of the text (an author line, such as "
            "'By Jane Doe', then optionally a role) and no authors given: "
            "give the author(s) explicitly"
        )
    if not body:
        raise ValueError("no article text left after removing boilerplate and byline")
    role = meta.author_role if meta.author_role is not None else byline_role

    markdown = (
        front_matter(meta, authors, role)
        + "\n"
        + "\n\n".join(escape_markdown_line(line) for line in body)
        + "\n"
    )
    return ImportedArticle(
        slug=slug,
        markdown=markdown,
        dropped_lines=tuple(dropped),
        byline=tuple(byline),
    )


def front_matter(
    meta: ArticleMetadata,
    authors: tuple[str, ...] | None = None,
    role: str | None = None,
) -> str:
    """The article's ``---`` block, fields in the contract's order."""
    authors = authors or meta.authors
    role = role if role is not None else meta.author_role
    front: dict[str, Any] = {"title": meta.title}
    front["author"] = authors[0] if len(authors) == 1 else list(authors)
    if role:
        front["author_role"] = role
    front["outlet"] = meta.outlet
    if meta.published is not None:
        front["published"] = meta.published
    if meta.url:
        front["url"] = meta.url
    front["captured"] = meta.captured
    if meta.tags:
        front["tags"] = list(meta.tags)
    return "---\n" + _dump_front_matter(front) + "---\n"


class _FrontMatterDumper(yaml.SafeDumper):
    """Block mappings, flow lists (``tags: [a, b]``), line-break characters escaped."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # With allow_unicode, PyYAML writes U+0085 raw inside a plain or single-quoted
    # scalar, where a reader takes it for a line break: double quotes escape it.
    style = '"' if any(ch in "\x85\u2028\u2029" for ch in data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_FrontMatterDumper.add_representer(str, _represent_str)
_FrontMatterDumper.add_representer(list, _represent_list)


def _dump_front_matter(front: dict[str, Any]) -> str:
    """YAML in the given key order; quoted only where a plain scalar would misread."""
    return yaml.dump(
        front,
        Dumper=_FrontMatterDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 30,
    )

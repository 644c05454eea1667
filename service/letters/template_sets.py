"""The partnerships' letter templates: which set a partnership uses, and which version of a letter it is.

A set is a folder `templates/<partnership>/` with one `<kind>.html.j2` per letter and a
`manifest.toml` giving each letter's version and the sha256 of its text; a partnership without a
folder of its own uses `templates/default/`. Templates at the top of `templates/` (the layout,
the shared wording) serve every set, and a set overrides one by holding a file of the same name.

A letter's text is its kind's template and every template that one uses, as this set resolves
them: `sha256` is taken over exactly that, so a letter recorded as sent names the text it was
rendered from, and a test keeps each manifest's version in step with it.
"""

import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import jinja2
import jinja2.meta

from domain.dates import written_date
from domain.eligibility import agency_name
from service.letters.context import LetterKind

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_SET = "default"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class TemplateSetError(Exception):
    """A set that cannot serve a letter: no template, no version in its manifest, a bad manifest."""


class TextBlock(NamedTuple):
    """A paragraph (`items` empty) or a list (`text` empty) of plain text."""

    text: str
    items: tuple[str, ...]


def text_blocks(text: str | None) -> list[TextBlock]:
    """Plain text as a letter lays it out: each line a paragraph, and lines starting "- " one list.

    This is how `Assessment.explanation` is written: one statement a line, then the complaints not
    counted, each on a line of its own starting "- ".
    """
    blocks: list[TextBlock] = []
    items: list[str] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith(("- ", "* ")):
            items.append(line[2:].strip())
            continue
        if items:
            blocks.append(TextBlock("", tuple(items)))
            items = []
        if line:
            blocks.append(TextBlock(line, ()))
    if items:
        blocks.append(TextBlock("", tuple(items)))
    return blocks


def set_for(partnership: str) -> str:
    """The template set a partnership's letters come from: its own, else the default set."""
    if not _SLUG.match(partnership):
        raise TemplateSetError(f"partnership must be a lower-case slug (got {partnership!r})")
    return partnership if (TEMPLATES / partnership / "manifest.toml").is_file() else DEFAULT_SET


@dataclass(frozen=True)
class LetterTemplate:
    """One letter of one set, ready to render, with the version and text digest to record when it is sent."""

    template_set: str
    kind: LetterKind
    version: int
    sha256: str
    manifest_sha256: str
    template: jinja2.Template


@cache
def environment(template_set: str) -> jinja2.Environment:
    """The set's own folder first, then the shared templates; HTML-escaped, and strict about names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([TEMPLATES / template_set, TEMPLATES]),
        autoescape=True,  # every template is HTML: a name such as <script> must stay text
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the tests, not a letter to a victim
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["day"] = written_date
    env.filters["agency"] = agency_name
    env.filters["blocks"] = text_blocks
    return env


def _sources(env: jinja2.Environment, name: str, seen: set[str]) -> Iterator[tuple[str, str]]:
    """The template `name` and, depth first, every template it extends, imports or includes."""
    seen.add(name)
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    yield name, source.replace("\r\n", "\n")
    for used in jinja2.meta.find_referenced_templates(env.parse(source)):
        if used is None:
            raise TemplateSetError(f"{name} names a template only known when it renders: its text has no digest")
        if used not in seen:
            yield from _sources(env, used, seen)


def text_sha256(template_set: str, kind: LetterKind) -> str:
    """The digest of the letter's text: its template and those it uses, by name and content."""
    env = environment(template_set)
    digest = hashlib.sha256()
    for name, source in _sources(env, f"{kind.value}.html.j2", set()):
        digest.update(name.encode() + b"\0" + source.encode() + b"\0")
    return digest.hexdigest()


@cache
def manifest(template_set: str) -> dict:
    path = TEMPLATES / template_set / "manifest.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise TemplateSetError(f"template set {template_set}: cannot read {path.name}: {error}") from error


@cache
def letter_template(template_set: str, kind: LetterKind) -> LetterTemplate:
    """The set's template for `kind`, with its version from the manifest."""
    entry = manifest(template_set).get("letters", {}).get(kind.value)
    version = entry.get("version") if isinstance(entry, dict) else None
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise TemplateSetError(f"template set {template_set}: manifest.toml gives {kind.value} no version")
    try:
        template = environment(template_set).get_template(f"{kind.value}.html.j2")
    except jinja2.TemplateNotFound as error:
        raise TemplateSetError(f"template set {template_set} has no {kind.value} letter") from error
    return LetterTemplate(
        template_set=template_set,
        kind=kind,
        version=version,
        sha256=text_sha256(template_set, kind),
        manifest_sha256=str(entry.get("sha256", "")),
        template=template,
    )


def template_sets() -> list[str]:
    """Every set shipped: the default and each partnership's."""
    return sorted(p.parent.name for p in TEMPLATES.glob("*/manifest.toml"))

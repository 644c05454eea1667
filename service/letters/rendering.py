"""Render a letter from the partnership's template, as an HTML page or a PDF (RULES.md section 13, letters).

Both come from one template text: the HTML page wraps it in a document with a stylesheet, the
PDF lays out the letter alone. Each result names the template set, the letter's version and the
digest of its text, which is what recording the letter as sent keeps.
"""

from dataclasses import dataclass

from markupsafe import Markup

from domain.errors import InvalidFact, RuleBroken
from domain.vocabulary import Decision
from service.letters.context import LetterContext, LetterKind
from service.letters.pdf import html_to_pdf
from service.letters.template_sets import LetterTemplate, letter_template, set_for

HTML = "text/html; charset=utf-8"
PDF = "application/pdf"


@dataclass(frozen=True)
class RenderedLetter:
    """A rendered letter: its bytes and media type, and which template text made it.

    Record as sent `template_ref` (or the set, version and digest apart), with when and by whom.
    """

    kind: LetterKind
    media_type: str
    content: bytes
    template_set: str
    template_version: int
    template_sha256: str

    @property
    def html(self) -> str:
        if self.media_type != HTML:
            raise ValueError(f"this letter is {self.media_type}, not HTML")
        return self.content.decode("utf-8")

    @property
    def template_ref(self) -> str:
        """One string naming the template text: safer-havant/threshold_decision@3."""
        return f"{self.template_set}/{self.kind.value}@{self.template_version}"


def _kind(kind: LetterKind | str) -> LetterKind:
    try:
        return LetterKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in LetterKind)
        raise InvalidFact(f"kind must be one of {kinds} (got {kind!r})", field="kind") from None


def _require_parts(kind: LetterKind, context: LetterContext) -> None:
    """Refuse a letter about a step the case has not reached, naming the part that is missing."""
    if not isinstance(context, LetterContext):
        raise InvalidFact("context must be a LetterContext", field="context")
    needs: list[str] = []
    if kind is LetterKind.THRESHOLD_DECISION:
        needs.append("decision")
        if context.decision is not None and context.decision.decision is Decision.NOT_MET:
            needs.append("pcc_review")  # RULES.md 13: a not_met decision may be reviewed by the PCC
    elif kind is LetterKind.DELAY:
        needs.append("delay")
    elif kind is LetterKind.OUTCOME:
        needs += ["outcome", "pcc_review"]  # and so may an outcome
    for part in needs:
        if getattr(context, part) is None:
            raise RuleBroken(f"a {kind.value} letter needs the case review's {part}, and none was given", field=part)


def _render_text(kind: LetterKind, context: LetterContext, medium: str) -> tuple[LetterTemplate, str]:
    _require_parts(kind, context)
    chosen = letter_template(set_for(context.partnership), kind)
    return chosen, chosen.template.render(letter=context, kind=kind.value, medium=medium)


def _title(chosen: LetterTemplate, context: LetterContext) -> str:
    """The letter's heading as plain text, for the PDF's title: the template's `title` block."""
    template = chosen.template
    values = template.new_context({"letter": context, "kind": chosen.kind.value, "medium": "pdf"})
    return Markup("".join(template.blocks["title"](values))).striptags()


def _rendered(chosen: LetterTemplate, media_type: str, content: bytes) -> RenderedLetter:
    return RenderedLetter(
        kind=chosen.kind,
        media_type=media_type,
        content=content,
        template_set=chosen.template_set,
        template_version=chosen.version,
        template_sha256=chosen.sha256,
    )


def render_html(kind: LetterKind | str, context: LetterContext) -> RenderedLetter:
    """The letter as a whole HTML page (UTF-8), printable as it stands."""
    chosen, text = _render_text(_kind(kind), context, "html")
    return _rendered(chosen, HTML, text.encode("utf-8"))


def render_pdf(kind: LetterKind | str, context: LetterContext) -> RenderedLetter:
    """The letter as a PDF, from the same template text as the HTML page."""
    chosen, text = _render_text(_kind(kind), context, "pdf")
    pdf = html_to_pdf(
        text,
        title=_title(chosen, context),
        author=context.partnership_name,
        reference=context.reference,
        dated=context.letter_date,
    )
    return _rendered(chosen, PDF, pdf)

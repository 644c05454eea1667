"""Letters to applicants (RULES.md section 13): rendered from the partnership's templates as HTML or PDF.

Data in, text and bytes out: no SQL, no HTTP, no clock. The caller builds a `LetterContext` from
the case review, asks for a kind, and records the result's `template_ref` (or set, version and
sha256) as sent, with when and by whom.
"""

from service.letters.context import (
    Action,
    Addressee,
    DelayPart,
    LetterContext,
    LetterKind,
    OutcomePart,
    PccReviewRoute,
    ThresholdDecisionPart,
)
from service.letters.rendering import HTML, PDF, RenderedLetter, render_html, render_pdf
from service.letters.template_sets import DEFAULT_SET, TemplateSetError, set_for, template_sets

__all__ = [
    "HTML",
    "PDF",
    "DEFAULT_SET",
    "Action",
    "Addressee",
    "DelayPart",
    "LetterContext",
    "LetterKind",
    "OutcomePart",
    "PccReviewRoute",
    "RenderedLetter",
    "TemplateSetError",
    "ThresholdDecisionPart",
    "render_html",
    "render_pdf",
    "set_for",
    "template_sets",
]

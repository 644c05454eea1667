"""A letter's HTML as a PDF, with fpdf2: pure Python, so the install needs no system libraries.

fpdf2's `write_html` lays out a subset of HTML (headings, paragraphs, line breaks, bold, lists),
which is all a plain-English letter needs; the layout template gives it the letter alone, without
the page's stylesheet. Its built-in fonts cover Latin-1 only, so DejaVu Sans ships beside this
module (see fonts/LICENSE-DejaVu.txt) and every name prints, "Zoë Ńowak" as much as "O'Brien".
"""

from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

FONTS = Path(__file__).resolve().parent / "fonts"
_FAMILY = "dejavu"
_INK = "#0b0c0c"  # GOV.UK's text colour: near black, as the HTML page prints it
_BODY_PT = 11


@cache
def _tag_styles() -> dict[str, FontFace]:
    # fpdf2's defaults print headings dark red in a serif; a letter's are black, bold, the same face.
    # Margins are in mm, but a heading's bottom margin is in lines of its own height.
    heading = {"font_family": _FAMILY, "font_style": "B", "color": _INK, "b_margin": 0.3}
    body = {"font_family": _FAMILY, "font_size_pt": _BODY_PT, "color": _INK}
    return {
        "h1": TextStyle(**heading, font_size_pt=16, t_margin=7),
        "h2": TextStyle(**heading, font_size_pt=13, t_margin=5),
        "p": TextStyle(**body, t_margin=2.5),
        "li": TextStyle(**body, l_margin=6, t_margin=1, b_margin=1),
        # No italic face is loaded: emphasis prints upright (GOV.UK style avoids italics anyway).
        "em": FontFace(),
        "i": FontFace(),
    }


class _LetterPDF(FPDF):
    """A4 pages, each with a footer giving the reference and which page of how many, for a letter read in parts."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer_text = footer_text

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(_FAMILY, size=8)
        self.set_text_color(_INK)
        self.cell(0, 5, f"{self._footer_text} · page {self.page_no()} of {{nb}}", align="C")


def html_to_pdf(fragment: str, *, title: str, author: str, reference: str, dated: date) -> bytes:
    """The letter's HTML (without <html>, <head> or a stylesheet) as the bytes of a PDF.

    The same letter gives the same bytes: the PDF's creation date is the letter's date, so a
    letter rendered again to be checked matches the one that was sent.
    """
    pdf = _LetterPDF(footer_text=f"Reference {reference}")
    # Regular and bold only: loading a font costs a tenth of a second (see _tag_styles for italics).
    pdf.add_font(_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(author)
    pdf.set_lang("en-GB")
    pdf.set_creation_date(datetime.combine(dated, time(), tzinfo=UTC))
    pdf.set_margins(left=20, top=20, right=20)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.set_font(_FAMILY, size=_BODY_PT)
    pdf.set_text_color(_INK)
    pdf.add_page()
    pdf.write_html(
        fragment,
        font_family=_FAMILY,
        tag_styles=_tag_styles(),
        li_prefix_color=_INK,
        ul_bullet_char="•",
        warn_on_tags_not_matching=True,
    )
    return bytes(pdf.output())

"""RULES.md section 13, letters: rendered from the partnership's templates, as HTML and as PDF.

The facts are RULES.md's worked examples, to the day. The application is received on Wed 15 Jul
2026 (window 16 Jan - 15 Jul 2026; due 20 working days later, Wed 12 Aug 2026). Its complaints:
incidents on 5, 8 and 12 Jan 2026 reported on 17, 18 and 19 Jan (counted, but the last incident
is before the window: section 11's example), and an incident on 31 Jan reported on 2 Mar (late:
the last day to report it was 28 Feb, section 2). The decision is made and told on Mon 20 Jul
2026, so a PCC review may be asked for until Mon 17 Aug 2026 (20 working days).

Each PDF is read back with pypdf; its text is compared with words spaced as in the HTML.
"""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time
from html import unescape
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from pypdf import PdfReader

from domain.calendar import WorkingCalendar
from domain.eligibility import ApplicationFacts, ComplaintRevision, assess
from domain.errors import InvalidFact, RuleBroken
from domain.people import ERASED, Contact
from domain.policy import HAVANT_POLICY
from domain.vocabulary import Route, Verdict
from service.letters import (
    DEFAULT_SET,
    HTML,
    PDF,
    Action,
    Addressee,
    DelayPart,
    LetterContext,
    LetterKind,
    OutcomePart,
    PccReviewRoute,
    RenderedLetter,
    ThresholdDecisionPart,
    render_html,
    render_pdf,
    set_for,
    template_sets,
)
from service.letters.template_sets import letter_template, manifest, text_sha256

VICTIM = UUID(int=1)
RECEIVED = date(2026, 7, 15)
DUE = date(2026, 8, 12)
DECIDED = date(2026, 7, 20)
PCC_LAST_DAY = date(2026, 8, 17)
NEW_TARGET = date(2026, 9, 9)
COMPLETED = date(2026, 9, 4)
HAVANT = "safer-havant"
ELSEWHERE = "north-somewhere-csp"  # a partnership with no templates of its own
HAVANT_GROUNDS = ("threshold_wrongly_applied", "procedure_not_followed", "actions_inadequate")
GROUND_WORDS = (
    "we applied the threshold wrongly",
    "we did not follow our procedure",
    "the actions agreed are not enough to deal with the problem",
)
MEDIA = ("html", "pdf")


def _complaint(n: int, incident: date, reported: date) -> ComplaintRevision:
    return ComplaintRevision(
        complaint_id=UUID(int=100 + n),
        recorded_at=datetime.combine(reported, time(12), UTC),
        victim_id=VICTIM,
        complainant_id=VICTIM,
        agency="hampshire-constabulary" if n % 2 else "havant-borough-council",
        incident_date=incident,
        reported_date=reported,
        caused_had=True,
        incident_ref=None,
        withdrawn=False,
    )


def _assessment():
    application = ApplicationFacts(UUID(int=50), Route.INDIVIDUAL, VICTIM, VICTIM, (), RECEIVED, None)
    complaints = [
        _complaint(1, date(2026, 1, 5), date(2026, 1, 17)),
        _complaint(2, date(2026, 1, 8), date(2026, 1, 18)),
        _complaint(3, date(2026, 1, 12), date(2026, 1, 19)),
        _complaint(4, date(2026, 1, 31), date(2026, 3, 2)),
    ]
    return assess(application, complaints, [], HAVANT_POLICY, datetime.combine(DECIDED, time(9), UTC))


ASSESSMENT = _assessment()


def _decision(**changes) -> ThresholdDecisionPart:
    values = {
        "decision": "not_met",
        "decided_on": DECIDED,
        "explanation": ASSESSMENT.explanation,
        "reason": "The last incident happened before the previous six months began.",
    }
    return ThresholdDecisionPart(**(values | changes))


def _context(partnership: str = HAVANT, **changes) -> LetterContext:
    values = {
        "partnership": partnership,
        "partnership_name": "Safer Havant Partnership" if partnership == HAVANT else "North Somewhere CSP",
        "addressee": Addressee.of("Zoë Ńowak", Contact(address="12 O'Brien Close\nHavant\nPO9 1AA")),
        "reference": "CT-2026-0042",
        "letter_date": DECIDED,
        "received_date": RECEIVED,
        "due_date": DUE,
        "contact_lines": ("Community Safety Team", "Havant Borough Council"),
        "decision": _decision(),
        "delay": DelayPart("We are waiting for information from the housing provider.", NEW_TARGET),
        "outcome": OutcomePart(
            COMPLETED,
            (
                Action("Fit a CCTV camera at the entrance to the block", "havant-borough-council", date(2026, 10, 1)),
                Action("Refer the family to mental health support", "nhs-hampshire-iow-icb", None),
            ),
        ),
        "pcc_review": PccReviewRoute(20, PCC_LAST_DAY, HAVANT_GROUNDS),
    }
    return LetterContext(**(values | changes))


def _pdf_text(letter: RenderedLetter) -> str:
    reader = PdfReader(io.BytesIO(letter.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _html_text(letter: RenderedLetter) -> str:
    """The HTML page's words as a reader sees them: tags dropped, entities read, spaces collapsed."""
    body = letter.html.split("<body>", 1)[1]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _render(medium: str, kind: LetterKind | str, context: LetterContext) -> tuple[RenderedLetter, str]:
    """The letter and its words as the reader sees them, from either medium."""
    if medium == "html":
        letter = render_html(kind, context)
        return letter, _html_text(letter)
    letter = render_pdf(kind, context)
    return letter, _pdf_text(letter)


def _has(text: str, *phrases: str) -> None:
    for phrase in phrases:
        assert " ".join(phrase.split()) in text, f"{phrase!r} not in the letter:\n{text}"


def test_the_worked_examples_hold_under_the_domains_own_rules() -> None:
    # The dates the letters are checked for come from the rules, not from the templates.
    calendar = WorkingCalendar("GB", "ENG")
    assert calendar.due_date(RECEIVED, HAVANT_POLICY.review_due_working_days) == DUE
    assert calendar.add_working_days(DECIDED, 20) == PCC_LAST_DAY
    assert ASSESSMENT.verdict is Verdict.NOT_MET


# --- every kind, both media, both template sets ---


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize(("partnership", "template_set"), [(HAVANT, HAVANT), (ELSEWHERE, DEFAULT_SET)])
@pytest.mark.parametrize("kind", list(LetterKind))
def test_rules_13_each_letter_renders_from_the_partnerships_templates_else_the_default_ones(
    kind: LetterKind, partnership: str, template_set: str, medium: str
) -> None:
    letter, text = _render(medium, kind, _context(partnership))

    assert letter.kind is kind
    assert letter.media_type == (HTML if medium == "html" else PDF)
    assert letter.template_set == template_set
    assert letter.template_version == manifest(template_set)["letters"][kind.value]["version"]
    assert letter.template_sha256 == text_sha256(template_set, kind)
    assert letter.template_ref == f"{template_set}/{kind.value}@{letter.template_version}"
    if medium == "pdf":
        assert letter.content.startswith(b"%PDF-")
    else:
        assert letter.html.startswith("<!DOCTYPE html>")
    _has(text, "Zoë Ńowak", "12 O'Brien Close", "PO9 1AA", "Date: 20 July 2026", "Our reference: CT-2026-0042")
    _has(text, "Dear Zoë Ńowak,", "Community Safety Team", "Please quote your reference: CT-2026-0042.")
    _has(text, "Safer Havant Partnership" if partnership == HAVANT else "North Somewhere CSP")
    if partnership != HAVANT:  # none of Havant's own wording in the default letters
        for havant_words in ("Safer Havant", "Hampshire Constabulary on 101", "Hampshire and the Isle of Wight"):
            assert havant_words not in text


def test_rules_13_the_pdf_has_the_letters_heading_as_its_title_and_its_date_as_its_creation_date() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(LetterKind.ACKNOWLEDGEMENT, _context()).content))
    assert reader.metadata.title == "We have received your Community Trigger request"
    assert reader.metadata.creation_date.date() == DECIDED


def test_rules_13_the_same_letter_renders_to_the_same_bytes_so_a_sent_one_can_be_checked() -> None:
    assert render_pdf("outcome", _context()).content == render_pdf("outcome", _context()).content
    assert render_html("outcome", _context()).content == render_html("outcome", _context()).content


# --- what each letter says ---


@pytest.mark.parametrize("medium", MEDIA)
def test_rules_13_acknowledgement_gives_the_received_date_what_happens_next_and_the_due_date(medium: str) -> None:
    _, text = _render(medium, "acknowledgement", _context())
    _has(text, "We received your request on 15 July 2026.", "What happens next")
    _has(text, "We aim to deal with your request by 12 August 2026.")
    _has(text, "Hampshire Constabulary on 101")  # the partnership's own contact point (seed)


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize("partnership", [HAVANT, ELSEWHERE])
def test_rules_13_threshold_not_met_letter_gives_the_reasons_and_how_to_ask_the_pcc_for_a_review(
    medium: str, partnership: str
) -> None:
    _, text = _render(medium, "threshold_decision", _context(partnership))

    _has(text, "On 20 July 2026 we decided that your request does not meet")
    _has(text, "Why we made this decision", "The last incident happened before the previous six months began.")
    # The assessment's own plain English, line by line: the reasons, the window and the dates.
    for line in ASSESSMENT.explanation.splitlines():
        _has(text, line.removeprefix("- "))
    _has(text, "The previous six months run from 16 January 2026 to 15 July 2026")
    _has(text, "The most recent incident counted was on 12 January 2026, before the previous six months began.")
    _has(text, "(the last day to report it was 28 February 2026)")
    # Section 13: the Police and Crime Commissioner's review, within N working days, on the policy's grounds.
    _has(text, "If you disagree with this decision", "You must ask within 20 working days of being told")
    _has(text, "This means by 17 August 2026 at the latest.", *GROUND_WORDS)
    commissioner = (
        "the Police and Crime Commissioner for Hampshire and the Isle of Wight"
        if partnership == HAVANT
        else "the Police and Crime Commissioner for your area"
    )
    _has(text, f"You can ask {commissioner} to review this decision.")


@pytest.mark.parametrize("medium", MEDIA)
def test_rules_13_threshold_met_letter_says_a_review_follows_by_the_due_date_with_no_pcc_route(medium: str) -> None:
    met = _decision(decision="met", reason=None, explanation="The threshold for an ASB case review is met.")
    _, text = _render(medium, "threshold_decision", _context(decision=met, pcc_review=None))

    _has(text, "Your Community Trigger request: the threshold is met")
    _has(text, "On 20 July 2026 we decided that your request meets the Community Trigger threshold.")
    _has(text, "What happens next", "We aim to finish the review by 12 August 2026.")
    assert "If you disagree" not in text  # RULES.md 13: the PCC reviews a not_met decision or an outcome


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize(
    ("grounds", "words"),
    [
        ("persistence", "the anti-social behaviour has gone on for a long time"),
        ("harm", "of the harm the anti-social behaviour is causing, or could cause, including how vulnerable you are"),
        ("adequacy", "the response to your reports so far has not been good enough"),
    ],
)
def test_rules_5_threshold_met_on_discretion_letter_names_the_grounds_and_the_assessment(
    medium: str, grounds: str, words: str
) -> None:
    discretion = _decision(decision="met", grounds=grounds, reason="Reports have continued weekly since January.")
    _, text = _render(medium, "threshold_decision", _context(decision=discretion))

    _has(text, "we will carry out a case review", "On 20 July 2026 we decided to carry out a case review.")
    _has(text, "Your request does not meet the Community Trigger threshold, but the law lets us")
    _has(text, f"We decided to do so because {words}.", "Reports have continued weekly since January.")
    _has(text, "The threshold for an ASB case review is not met.")  # the assessment, as it was
    assert "If you disagree" not in text


@pytest.mark.parametrize("medium", MEDIA)
def test_rules_8_delay_letter_gives_the_reason_the_due_date_missed_and_the_new_target_date(medium: str) -> None:
    _, text = _render(medium, "delay", _context())
    _has(text, "we will not finish your case review by 12 August 2026, the date we gave you.")
    _has(text, "Why it is taking longer", "We are waiting for information from the housing provider.")
    _has(text, "We now aim to finish the review by 9 September 2026.")


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize("partnership", [HAVANT, ELSEWHERE])
def test_rules_13_outcome_letter_lists_each_action_with_its_agency_and_due_date_and_the_pcc_route(
    medium: str, partnership: str
) -> None:
    _, text = _render(medium, "outcome", _context(partnership))

    _has(text, "review on 4 September 2026.", "What the agencies will do", "The agencies agreed these actions:")
    _has(
        text, "Fit a CCTV camera at the entrance to the block Who will do it: Havant Borough Council By: 1 October 2026"
    )
    _has(text, "Refer the family to mental health support Who will do it: NHS Hampshire IoW ICB By: no date set yet")
    _has(text, "If you disagree with the outcome of the review", "This means by 17 August 2026 at the latest.")
    _has(text, *GROUND_WORDS)


@pytest.mark.parametrize("medium", MEDIA)
def test_rules_13_outcome_letter_with_no_recommendations_says_so(medium: str) -> None:
    _, text = _render(medium, "outcome", _context(outcome=OutcomePart(COMPLETED, ())))
    _has(text, "The review did not agree any new actions.")
    assert "Who will do it" not in text


# --- personal data: escaped, erased, any script ---


@pytest.mark.parametrize("medium", MEDIA)
def test_a_name_or_text_that_looks_like_html_stays_text(medium: str) -> None:
    hostile = "<script>alert('x')</script> & <b>Bold</b>"
    context = _context(
        addressee=Addressee(hostile, ("<img src=x onerror=alert(1)>",)),
        contact_lines=("<a href='javascript:alert(1)'>us</a>",),
        decision=_decision(reason=hostile),
    )
    letter, text = _render(medium, "threshold_decision", context)
    _has(text, f"Dear {hostile},", "<img src=x onerror=alert(1)>", "<a href='javascript:alert(1)'>us</a>")
    if medium == "html":
        assert "<script" not in letter.html and "<img" not in letter.html and "<a " not in letter.html
        assert str(escape(hostile)) in letter.html


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize("kind", list(LetterKind))
def test_privacy_an_erased_persons_data_renders_as_erased(medium: str, kind: LetterKind) -> None:
    """An erased person's name and texts read "[erased]" and they have no contact details (domain.people)."""
    context = _context(
        addressee=Addressee.of(ERASED, None),
        decision=_decision(reason=ERASED),
        delay=DelayPart(ERASED, NEW_TARGET),
        outcome=OutcomePart(COMPLETED, (Action(ERASED, "hampshire-constabulary", date(2026, 10, 1)),)),
    )
    _, text = _render(medium, kind, context)
    # The address block and the greeting; and the reason or the action that was theirs.
    _has(text, "Dear [erased],")
    assert text.count(ERASED) == (2 if kind is LetterKind.ACKNOWLEDGEMENT else 3)


def test_privacy_an_addressee_without_contact_details_has_no_address_lines() -> None:
    assert Addressee.of(ERASED, None).address_lines == ()
    assert Addressee.of(ERASED, Contact()).address_lines == ()
    assert Addressee.of("A", Contact(address="1 High St, Havant, PO9 1AA")).address_lines == (
        "1 High St",
        "Havant",
        "PO9 1AA",
    )


@pytest.mark.parametrize("medium", MEDIA)
@pytest.mark.parametrize("name", ["Zoë Ńowak", "Siobhán O'Brien", "Łukasz Żółć-Smith", "Ωμέγα Юлия"])
def test_names_in_any_european_script_render_in_both_media(medium: str, name: str) -> None:
    _, text = _render(medium, "acknowledgement", _context(addressee=Addressee(name)))
    _has(text, f"Dear {name},")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(min_size=1, max_size=60).filter(lambda s: s.strip()))
def test_any_name_renders_in_both_media_and_stays_text_in_html(name: str) -> None:
    context = _context(addressee=Addressee(name))
    html = render_html("acknowledgement", context).html
    assert f"Dear {escape(name)}," in html
    assert render_pdf("acknowledgement", context).content.startswith(b"%PDF-")


# --- template versions: what recording a letter as sent keeps ---


def test_rules_13_every_template_set_has_every_letter_with_a_version() -> None:
    assert set(template_sets()) >= {DEFAULT_SET, HAVANT}
    for template_set in template_sets():
        for kind in LetterKind:
            assert letter_template(template_set, kind).version >= 1


@pytest.mark.parametrize("template_set", template_sets())
@pytest.mark.parametrize("kind", list(LetterKind))
def test_rules_13_a_letters_version_names_one_text(template_set: str, kind: LetterKind) -> None:
    """A changed template (or layout, or shared wording) must come with a new version in the manifest."""
    entry = manifest(template_set)["letters"][kind.value]
    actual = text_sha256(template_set, kind)
    assert entry["sha256"] == actual, (
        f"the text of {template_set}/{kind.value} changed: raise its version (now {entry['version']}) "
        f'in templates/{template_set}/manifest.toml and set sha256 = "{actual}"'
    )


def test_rules_13_a_partnership_with_no_templates_of_its_own_uses_the_default_ones() -> None:
    assert set_for(HAVANT) == HAVANT
    assert set_for(ELSEWHERE) == DEFAULT_SET


# --- refusals ---


def test_a_letter_about_a_step_not_reached_is_refused_naming_the_missing_part() -> None:
    cases = [
        ("threshold_decision", {"decision": None}, "decision"),
        ("threshold_decision", {"pcc_review": None}, "pcc_review"),  # not_met: the review route is owed
        ("delay", {"delay": None}, "delay"),
        ("outcome", {"outcome": None}, "outcome"),
        ("outcome", {"pcc_review": None}, "pcc_review"),
    ]
    for kind, changes, field in cases:
        for render in (render_html, render_pdf):
            with pytest.raises(RuleBroken) as refused:
                render(kind, _context(**changes))
            assert refused.value.field == field


def test_an_unknown_kind_of_letter_is_refused_naming_the_kind() -> None:
    with pytest.raises(InvalidFact) as refused:
        render_html("apology", _context())
    assert refused.value.field == "kind"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: _context(partnership="../etc"), "partnership"),
        (lambda: _context(partnership_name=" "), "partnership_name"),
        (lambda: _context(letter_date=datetime(2026, 7, 20, tzinfo=UTC)), "letter_date"),
        (lambda: _context(due_date="2026-08-12"), "due_date"),
        (lambda: Addressee(""), "addressee.display_name"),
        (lambda: _decision(decision="maybe"), "decision.decision"),
        (lambda: _decision(grounds="sympathy", decision="met"), "decision.grounds"),
        (lambda: _decision(grounds="harm"), "decision.grounds"),  # discretion only turns not_met into met
        (lambda: PccReviewRoute(0, PCC_LAST_DAY, HAVANT_GROUNDS), "pcc_review.within_working_days"),
        (lambda: PccReviewRoute(20, PCC_LAST_DAY, ()), "pcc_review.grounds"),
        (lambda: DelayPart("", NEW_TARGET), "delay.reason"),
        (lambda: Action("Visit", "police", "soon"), "outcome.actions.due_date"),
    ],
)
def test_bad_context_is_refused_naming_the_field(build, field: str) -> None:
    with pytest.raises(InvalidFact) as refused:
        build()
    assert refused.value.field == field


def test_a_context_is_a_value_the_caller_can_change_only_by_making_another() -> None:
    context = _context()
    with pytest.raises(AttributeError):
        context.reference = "other"  # type: ignore[misc]
    assert replace(context, reference="CT-1").reference == "CT-1"

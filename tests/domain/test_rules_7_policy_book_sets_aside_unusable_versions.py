"""RULES.md section 7, the policy book as stored: a version no rule can be worked out under is set aside.

Older code let such versions be stored (a calendar `holidays` does not know, an effective date in year 1,
a shape nothing reads). Folding the book never fails on one: it is kept in `unusable` with why, the
usable versions stay as they were (so the one in force is the last usable one), and its number is not
published again.
"""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actor import SYSTEM
from domain.errors import RuleBroken
from domain.policy import HAVANT_POLICY, policy_in_force
from domain.policy_book import PolicyBook

AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _book_with(*stored: object) -> PolicyBook:
    book = PolicyBook.open(name=HAVANT_POLICY.name, actor=SYSTEM, recorded_at=AT)
    book.publish(HAVANT_POLICY, actor=SYSTEM, recorded_at=AT)
    for policy in stored:  # as older code recorded them: no check
        book._record(PolicyBook.VersionPublished, recorded_at=AT, policy=policy, actor=SYSTEM)
    return book


@pytest.mark.parametrize(
    "stored, field",
    [
        ({**HAVANT_POLICY.to_dict(), "version": 2, "calendar": {"country": "ZZ"}}, "calendar.country"),
        ({**HAVANT_POLICY.to_dict(), "version": 2, "calendar": {"country": "GB", "subdivision": "XX"}},
         "calendar.subdivision"),
        ({**HAVANT_POLICY.to_dict(), "version": 2, "effective_from": "0001-01-01"}, "effective_from"),
        ({**HAVANT_POLICY.to_dict(), "version": 2, "stages": "now and then"}, "stages"),
    ],
)  # fmt: skip
def test_rules_7_an_unusable_version_is_set_aside_with_why_and_the_last_usable_stays_in_force(stored, field):
    book = _book_with(stored)
    assert book.versions == {1: HAVANT_POLICY}
    assert list(book.unusable) == [2] and book.unusable[2].startswith(field)
    assert policy_in_force(book.versions.values(), date(2026, 12, 3)) == HAVANT_POLICY
    with pytest.raises(RuleBroken, match="already published"):
        book.publish(HAVANT_POLICY.with_changes(version=2), actor=SYSTEM, recorded_at=AT)
    book.publish(HAVANT_POLICY.with_changes(version=3), actor=SYSTEM, recorded_at=AT)
    assert sorted(book.versions) == [1, 3]


@given(
    stored=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
        max_leaves=12,
    )
)
def test_rules_7_folding_the_book_never_fails_whatever_was_stored(stored):
    book = _book_with(stored)
    assert book.versions[1] == HAVANT_POLICY
    assert len(book.versions) + len(book.unusable) >= 1

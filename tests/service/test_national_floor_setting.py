"""RULES.md section 11: a deployment's national floor, from COMMUNITY_TRIGGER_NATIONAL_FLOOR (inline JSON or a file).

A floor that cannot be read stops the start with a message naming the variable and the parameter: a deployment
must never run believing it has a floor it has not.
"""

import json

import pytest

from domain.dates import MONTHS, Period
from service.settings import NATIONAL_FLOOR_VARIABLE, Settings, national_floor

FLOOR = {"individual_min_complaints": 3, "lookback": {"months": 6}, "excluded_sources": ["diary_sheet"]}


def test_rules_11_no_floor_unless_one_is_set(monkeypatch):
    monkeypatch.delenv(NATIONAL_FLOOR_VARIABLE, raising=False)
    assert Settings.from_environment().national_floor is None
    assert national_floor("  ") is None


def test_rules_11_the_floor_inline_or_from_a_file_is_the_same(monkeypatch, tmp_path):
    path = tmp_path / "floor.json"
    path.write_text(json.dumps(FLOOR))
    inline = national_floor(json.dumps(FLOOR))
    assert national_floor(str(path)) == inline
    assert (inline.individual_min_complaints, inline.lookback, inline.group_rule) == (3, Period(6, MONTHS), None)
    monkeypatch.setenv(NATIONAL_FLOOR_VARIABLE, str(path))
    assert Settings.from_environment().national_floor == inline


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("/no/such/floor.json", "COMMUNITY_TRIGGER_NATIONAL_FLOOR is neither JSON"),
        ('{"lookback": ', "COMMUNITY_TRIGGER_NATIONAL_FLOOR is not valid JSON"),
        ('{"lookback": {"weeks": 26}}', "COMMUNITY_TRIGGER_NATIONAL_FLOOR: lookback"),
        ('{"partner_agencies": ["x"]}', "COMMUNITY_TRIGGER_NATIONAL_FLOOR: partner_agencies: "),
        ('{"individual_min_complaints": 9}', "COMMUNITY_TRIGGER_NATIONAL_FLOOR: individual_min_complaints: "),
    ],
)
def test_rules_11_a_floor_that_cannot_be_read_is_refused_naming_the_variable_and_the_parameter(value, says):
    with pytest.raises(ValueError) as refused:
        national_floor(value)
    assert str(refused.value).startswith(says)

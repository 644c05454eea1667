"""KeyStore.replace: the key `serve --demo` prints at each start replaces the one it printed before."""

import secrets

import pytest

from domain.vocabulary import Role


def test_replacing_a_labelled_key_revokes_the_earlier_ones_of_that_role_and_label_only(fresh_app):
    keys = fresh_app.app.state.services.keys
    label = f"demo {secrets.token_hex(3)}"  # the database is this module's, but say whose keys these are
    first, first_secret, revoked = keys.replace(Role.COORDINATOR, label)
    assert revoked == [] and keys.authenticate(first_secret) == first
    other_role, other_role_secret = keys.create(Role.AUDITOR, label=label)
    other_label, other_label_secret = keys.create(Role.COORDINATOR, label=f"{label} kept")

    second, second_secret, revoked = keys.replace(Role.COORDINATOR, label)

    assert revoked == [first.key_id]
    assert keys.authenticate(first_secret) is None  # at once, though it had just authenticated here
    assert keys.authenticate(second_secret) == second and second.label == label
    assert keys.authenticate(other_role_secret) == other_role
    assert keys.authenticate(other_label_secret) == other_label
    coordinators = [key for key in keys.list() if key.label == label and key.role is Role.COORDINATOR]
    assert [key.key_id for key in coordinators if key.revoked_at is None] == [second.key_id]


def test_an_agency_key_is_not_replaced_by_label(fresh_app):
    with pytest.raises(ValueError, match="agency"):  # KeyError_, a ValueError
        fresh_app.app.state.services.keys.replace(Role.AGENCY, "demo")

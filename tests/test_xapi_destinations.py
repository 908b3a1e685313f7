"""ELEARN_LRS_DESTINATIONS: parsed and validated at start-up, password never shown."""
from __future__ import annotations

import json

import pytest

from elearn.config import SettingError
from elearn.xapi.destinations import parse_destinations

GOOD = {"name": "eoppiva", "endpoint": "https://lrs.example.fi/xAPI", "username": "key",
        "password": "s3cret-pass"}


def test_parses_defaults_and_normalises_endpoint():
    [dest] = parse_destinations([GOOD], default_batch_size=25, default_timeout=3)
    assert dest.endpoint == "https://lrs.example.fi/xAPI/"
    assert dest.statements_url == "https://lrs.example.fi/xAPI/statements"
    assert (dest.batch_size, dest.timeout, dest.courses) == (25, 3.0, ())
    assert dest.accepts("any-course")


def test_course_filter_and_json_text():
    raw = json.dumps([dict(GOOD, courses=["a"], batch_size=5, timeout=2.5)])
    [dest] = parse_destinations(raw)
    assert dest.accepts("a") and not dest.accepts("b")
    assert (dest.batch_size, dest.timeout) == (5, 2.5)


def test_repr_hides_password():
    [dest] = parse_destinations([GOOD])
    assert "s3cret-pass" not in repr(dest) and "s3cret-pass" not in str(dest)
    assert "eoppiva" in repr(dest)


@pytest.mark.parametrize("raw, message", [
    ({"name": "x"}, "ELEARN_LRS_DESTINATIONS: expected a JSON list"),
    ("[1", "ELEARN_LRS_DESTINATIONS: expected JSON"),
    (["x"], "ELEARN_LRS_DESTINATIONS[0]: expected an object"),
    ([dict(GOOD, name="")], "ELEARN_LRS_DESTINATIONS[0].name: required"),
    ([GOOD, GOOD], "ELEARN_LRS_DESTINATIONS[1].name: 'eoppiva' is used twice"),
    ([dict(GOOD, endpoint="ftp://x/")], "ELEARN_LRS_DESTINATIONS[0].endpoint"),
    ([dict(GOOD, endpoint="https://x/?a=1")], "ELEARN_LRS_DESTINATIONS[0].endpoint"),
    ([{k: v for k, v in GOOD.items() if k != "password"}],
     "ELEARN_LRS_DESTINATIONS[0].password: required"),
    ([dict(GOOD, courses="a")], "ELEARN_LRS_DESTINATIONS[0].courses"),
    ([dict(GOOD, batch_size=0)], "ELEARN_LRS_DESTINATIONS[0].batch_size"),
    ([dict(GOOD, timeout="10")], "ELEARN_LRS_DESTINATIONS[0].timeout"),
    ([dict(GOOD, pasword="typo")], "ELEARN_LRS_DESTINATIONS[0].pasword: unknown field"),
])
def test_bad_settings_name_the_field(raw, message):
    with pytest.raises(SettingError) as info:
        parse_destinations(raw)
    assert str(info.value).startswith(message)
    assert "s3cret-pass" not in str(info.value)

"""The app-format validator on random and mutated app.json files: an AppManifest that writes itself back exactly,
or an AppFormatError naming a field; never another exception."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from desktop_gpt.errors import AppFormatError
from desktop_gpt.store.app_format import parse_manifest
from tests.property import PROPERTY
from tests.store.test_app_format import GOOD

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                                max_size=4),
                    max_leaves=12)
FIELDS = sorted(GOOD) + ["extra", ""]


def check(raw) -> None:
    try:
        manifest = parse_manifest(raw)
    except AppFormatError as exc:
        assert str(exc) and exc.field
        return
    again = parse_manifest(manifest.to_json())
    assert again == manifest and again.to_dict() == manifest.to_dict()


@PROPERTY
@given(changes=st.dictionaries(st.sampled_from(FIELDS), JSON | st.just(...), max_size=4))
def test_mutated_manifests_parse_and_round_trip_or_name_the_field(changes):
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    check(data)


@PROPERTY
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_end_in_words(raw):
    check(raw)


@PROPERTY
@given(data=st.data())
def test_cut_or_corrupted_json_ends_in_words(data):
    text = json.dumps(GOOD, ensure_ascii=False)
    at = data.draw(st.integers(min_value=0, max_value=len(text)))
    insert = data.draw(st.text(max_size=5))
    check((text[:at] + insert + text[at + data.draw(st.integers(min_value=0, max_value=5)):]).encode())

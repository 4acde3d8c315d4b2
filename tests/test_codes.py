"""Region codes: significant prefixes, 12-digit keys and rejection of anything else."""
import pytest
from hypothesis import given, strategies as st

from data.definitions import codes


@pytest.mark.parametrize("given_code, full", [
    ("52", "520000000000"), ("5201", "520100000000"), ("520102", "520102000000"),
    ("520102101", "520102101000"), ("520102101201", "520102101201"), (" 52 ", "520000000000"),
])
def test_prefixes_become_twelve_digit_codes(given_code, full):
    assert codes.normalize(given_code) == full


@pytest.mark.parametrize("bad", ["", "5", "520", "52010", "5201021012011", "52a1", "五二", "52.0", "-52", "５２", "٥٢"])
def test_malformed_codes_are_refused(bad):
    with pytest.raises(codes.InvalidCode):
        codes.normalize(bad)


@given(st.text(max_size=14))
def test_normalize_either_answers_twelve_digits_or_refuses(text):
    try:
        result = codes.normalize(text)
    except codes.InvalidCode:
        return
    assert len(result) == 12 and result.isascii() and result.isdigit() and result.startswith(text.strip())

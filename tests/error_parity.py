"""Error parity for the op suites: cgrad raises torch's exception type and message."""
import re

import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

SAME = object()  # match: cgrad's message must equal torch's


def error_case(id, fn, match=SAME):
    return pytest.param(fn, match, id=id)


def check_error(fn, match=SAME):
    """`fn(lib)` raises in torch; cgrad raises the same type, with torch's message (SAME),
    a message matching the regex `match`, or any message (None)."""
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(cgrad)
    assert got.type is expected.type, (
        f"cgrad raised {got.type.__name__}: {got.value}; torch raised "
        f"{expected.type.__name__}: {expected.value}")
    if match is SAME:
        assert str(got.value) == str(expected.value)
    elif match is not None:
        assert re.search(match, str(got.value)), f"{got.value!r} does not match {match!r}"

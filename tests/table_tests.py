"""What the op-table tests (test_*_table.py) share: finding an op's test cases by name."""
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def sources(pattern):
    """The text of the test files matching `pattern` (e.g. "test_*parity*.py")."""
    return "\n".join(p.read_text() for p in TESTS.glob(pattern))


def mentions(text, name):
    """Whether `text` names `name` as a call, an attribute, a key or a list entry."""
    return re.search(rf"[.\s(\[\"']{re.escape(name)}\b", text) is not None

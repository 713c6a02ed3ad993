"""The version string type of cgrad.__version__: a str that compares as a version, as
torch's TorchVersion does (`cgrad.__version__ >= "0.1"`, `... < (1, 0)`).

Note [Version ordering]: versions order by PEP 440 (epoch, release with trailing zeros
ignored, pre-releases before the release, dev before pre, post after, local labels last).
A string that is no version compares as a plain string, as torch falls back to; != is
str's own, as torch leaves it (so "2.0" == "2.0.0" and "2.0" != "2.0.0" both hold there).
"""
import re

_VERSION = re.compile(
    r"v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:-(?P<post_implicit>\d+)|[-_.]?(?:post|rev|r)[-_.]?(?P<post_n>\d*))?"
    r"(?:[-_.]?(?P<dev>dev)[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?",
    re.IGNORECASE)
_PRE_ORDER = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
_BEFORE, _AFTER = float("-inf"), float("inf")


def _sort_key(text):
    """PEP 440 order key of `text`, or None when it is no version."""
    m = _VERSION.fullmatch(text.strip())
    if m is None:
        return None
    release = [int(p) for p in m["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    post_n = m["post_implicit"] or m["post_n"]
    has_post = post_n is not None
    if m["pre"]:
        pre = (_PRE_ORDER[m["pre"].lower()], int(m["pre_n"] or 0))
    elif m["dev"] and not has_post:
        pre = (_BEFORE,)  # 1.0.dev0 comes before 1.0a0
    else:
        pre = (_AFTER,)
    post = (int(post_n or 0),) if has_post else (_BEFORE,)
    dev = (int(m["dev_n"] or 0),) if m["dev"] else (_AFTER,)
    local = tuple((int(s), "") if s.isdigit() else (_BEFORE, s.lower())
                  for s in re.split(r"[-_.]", m["local"] or "") if s)  # none sorts first
    return (int(m["epoch"] or 0), tuple(release), pre, post, dev, local)


class TorchVersion(str):
    """A version string that compares with strings, tuples and other versions as a version."""

    def _compare(self, other, op):
        text = ".".join(str(p) for p in other) if isinstance(other, tuple) else other
        if not isinstance(text, str):
            return NotImplemented
        mine, theirs = _sort_key(self), _sort_key(text)
        if mine is None or theirs is None:
            return getattr(str, op)(self, other)
        return getattr(tuple, op)(mine, theirs)

    def __lt__(self, other):
        return self._compare(other, "__lt__")

    def __le__(self, other):
        return self._compare(other, "__le__")

    def __gt__(self, other):
        return self._compare(other, "__gt__")

    def __ge__(self, other):
        return self._compare(other, "__ge__")

    def __eq__(self, other):
        return self._compare(other, "__eq__")

    __hash__ = str.__hash__

"""Checks that no binding setup function in cpp/bindings is longer than MAX_LINES lines.

    python tools/check_binding_setup_size.py      # prints each one over; exit status 1 if any

A setup function binds Python names: one named init_* or def_* (one per area, Note
[Op registry], and the pieces an area splits into), or one that takes the module
(`py::module_&`) or the Tensor class (`TensorClass&`). Its length runs from the line of
its name to its closing brace. Long ones mix concerns and hide what an area binds; split
them by concern (a helper per group of ops, or a file per area). Comments, string
literals and raw strings are blanked before braces are matched.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDINGS = ROOT / "cpp" / "bindings"
MAX_LINES = 80

# The name of a function at the start of a line (namespace scope: bindings are not indented).
DEFINITION_RE = re.compile(r"^[A-Za-z_][\w:<>,\s*&]*?\b([A-Za-z_]\w*)\s*\(", re.M)
SETUP_NAME_RE = re.compile(r"^(init|def)_")
SETUP_PARAM_RE = re.compile(r"\bpy::module_\s*&|\bTensorClass\s*&")
NOT_FUNCTIONS = {"if", "for", "while", "switch", "return", "sizeof", "namespace"}


def _blank(text: str, start: int, end: int) -> str:
    return re.sub(r"[^\n]", " ", text[start:end])


def blank_comments_and_strings(src: str) -> str:
    """src with comments and the insides of string and character literals turned to
    spaces (newlines kept), so that braces in them are not counted."""
    out, i, n = [], 0, len(src)
    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.index("*/", i + 2) + 2
        elif src.startswith('R"', i) and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            open_paren = src.index("(", i)
            delimiter = src[i + 2:open_paren]
            j = src.index(")" + delimiter + '"', open_paren) + len(delimiter) + 2
        elif src[i] == '"' or (src[i] == "'" and not (i > 0 and src[i - 1].isalnum())):
            quote, j = src[i], i + 1  # a ' after a digit is a digit separator
            while src[j] != quote:
                j += 2 if src[j] == "\\" else 1
            j += 1
        else:
            out.append(src[i])
            i += 1
            continue
        out.append(_blank(src, i, j))
        i = j
    return "".join(out)


def _matching(text: str, i: int, open_char: str, close_char: str) -> int:
    depth = 0
    while True:
        if text[i] == open_char:
            depth += 1
        elif text[i] == close_char:
            depth -= 1
            if depth == 0:
                return i
        i += 1


def setup_functions(path: Path) -> list[tuple[str, int, int]]:
    """(name, first line, line count) of each setup function defined in `path`."""
    text = blank_comments_and_strings(path.read_text())
    found = []
    for match in DEFINITION_RE.finditer(text):
        name = match.group(1)
        if name in NOT_FUNCTIONS:
            continue
        close_paren = _matching(text, match.end() - 1, "(", ")")
        params = text[match.end():close_paren]
        body = close_paren + 1
        while text[body] not in "{;":
            body += 1
        if text[body] == ";":  # a declaration
            continue
        if not (SETUP_NAME_RE.match(name) or SETUP_PARAM_RE.search(params)):
            continue
        end = _matching(text, body, "{", "}")
        first = text.count("\n", 0, match.start()) + 1
        last = text.count("\n", 0, end) + 1
        found.append((name, first, last - first + 1))
    return found


def oversized(max_lines: int = MAX_LINES) -> list[str]:
    found = []
    for path in sorted(BINDINGS.glob("*")):
        if path.suffix not in {".cpp", ".h"}:
            continue
        for name, first, count in setup_functions(path):
            if count > max_lines:
                rel = path.relative_to(ROOT).as_posix()
                found.append(f"{rel}:{first}: {name} is {count} lines (at most {max_lines})")
    return found


def main() -> int:
    found = oversized()
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} binding setup function(s) over {MAX_LINES} lines: split them by "
              "concern", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

"""Two builds of the same input with the same --now are byte-identical."""

from pathlib import Path

import conftest
import kaasa_checks as kc


def test_byte_identical(twin, request):
    a, b = map(Path, twin)
    conftest.need(request.config, a.is_dir() and b.is_dir(), f"both builds {a} and {b}")
    problems = kc.tree_differences(a, b)
    assert not problems, "\n".join(problems[:50])

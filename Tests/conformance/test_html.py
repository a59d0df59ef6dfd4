"""Every built page passes the Nu HTML Checker (the W3C validator's engine)."""

import functools

import pytest

import kaasa_checks as kc


@functools.cache
def _nu_results(root):
    output = kc.Output("", root)
    return kc.nu_check(output.files("*.html"))


def test_output_has_pages(site_output):
    for page in ("index.html", "plans/index.html", "404.html"):
        assert (site_output.root / page).is_file(), f"{page} is missing"


def test_nu_html_checker(html_file, warnings_report):
    output, path = html_file
    messages = _nu_results(output.root)[path]
    for w in kc.nu_warnings(messages):
        warnings_report.append(f"Nu warning {output.label}:{output.rel(path)}:{w}")
    errors = kc.nu_errors(messages)
    assert not errors, f"{output.rel(path)}: Nu HTML Checker errors:\n" + "\n".join(errors)

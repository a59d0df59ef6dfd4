"""Every iCalendar file as three independent calendar libraries read it, and its bytes."""

import kaasa_checks as kc


def _check(calendar_file, check):
    output, path = calendar_file
    problems = check(path.read_bytes())
    assert not problems, f"{output.rel(path)}:\n" + "\n".join(problems)


def test_bytes_crlf_75_octets_utf8(calendar_file):
    _check(calendar_file, kc.ical_byte_problems)


def test_icalendar_library(calendar_file):
    _check(calendar_file, kc.icalendar_problems)


def test_vobject_validate(calendar_file):
    _check(calendar_file, kc.vobject_problems)


def test_libical(calendar_file):
    _check(calendar_file, kc.libical_problems)


def test_uids_and_time_zones(calendar_file):
    _check(calendar_file, kc.ical_structure_problems)

#!/usr/bin/env python3
"""Writes a `git fast-import` stream for a synthetic site repository: PLANS plans, COMMITS commits.

Usage: make-repo.py PLANS COMMITS | git -C REPO fast-import --quiet

Every commit touches one plan, as officials work: add a plan, fix its text, move its meeting,
change its feedback window, cancel it. Plans sit in one folder per municipality, as in content/.
Dates, names and choices come from a fixed seed, so two runs write the same repository.
"""
import random
import sys

PLANS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
COMMITS = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
MUNICIPALITIES = 20
VILLAGES = 12
START = 1_577_836_800  # 2020-01-01T00:00Z

rng = random.Random(2026)
out = sys.stdout.buffer


def data(text: str) -> bytes:
    b = text.encode()
    return b"data %d\n" % len(b) + b + b"\n"


def municipality(i: int) -> str:
    return "vald-%02d" % i


def site_files() -> dict:
    site = (
        "title: Koormustest\n"
        "baseURL: https://plaanid.example.ee/\n"
        "repository: https://github.com/kaasa-bench/plaanid\n"
    )
    areas = ["municipalities:\n"]
    for m in range(MUNICIPALITIES):
        areas.append("  - id: %s\n    name: Vald %d\n    villages:\n" % (municipality(m), m))
        for v in range(VILLAGES):
            areas.append("      - { id: kyla-%02d, name: Küla %d }\n" % (v, v))
    return {"content/site.yml": site, "content/areas.yml": "".join(areas)}


class Plan:
    def __init__(self, n: int):
        self.n = n
        self.m = n % MUNICIPALITIES
        self.path = "content/plans/%s/plaan-%05d.md" % (municipality(self.m), n)
        self.title = "Plaan number %d" % n
        self.village = "kyla-%02d" % rng.randrange(VILLAGES)
        year = 2020 + rng.randrange(8)
        self.idea = "%d-%02d-%02d" % (year, rng.randrange(1, 13), rng.randrange(1, 29))
        self.meeting_day = rng.randrange(1, 29)
        self.meeting_month = rng.randrange(1, 13)
        self.meeting_year = year + 1
        self.hour = 18
        self.place = "Rahvamaja"
        self.feedback_days = 14
        self.status = None
        self.typo = 0

    def text(self) -> str:
        meeting = "%d-%02d-%02d" % (self.meeting_year, self.meeting_month, self.meeting_day)
        lines = [
            "---",
            "title: %s" % self.title,
            "summary: Sünteetiline plaan koormustesti jaoks, number %d." % self.n,
            "municipality: %s" % municipality(self.m),
            "villages: [%s]" % self.village,
            "type: investment",
            "tags: [test, koormus]",
        ]
        if self.status:
            lines.append("status: %s" % self.status)
        lines += [
            "feedback: { opens: %s-01, closes: %s-%02d }"
            % (meeting[:7], meeting[:7], self.feedback_days),
            "timeline:",
            "  - { date: %s, stage: idea, title: Idee }" % self.idea,
            "  - date: %sT%02d:00" % (meeting, self.hour),
            "    end: %sT%02d:00" % (meeting, self.hour + 2),
            "    kind: meeting",
            "    title: Avalik arutelu",
            "    location: %s" % self.place,
            "    stage: consultation",
            "  - { date: %d-06-01, stage: decision, title: Otsus volikogus }" % (self.meeting_year + 1),
            "---",
            "",
            "## Taust",
            "",
            "Plaani %d kirjeldus, parandus %d. " % (self.n, self.typo) + "Lorem ipsum dolor sit amet. " * 12,
            "",
        ]
        return "\n".join(lines)

    def change(self) -> str:
        r = rng.random()
        if r < 0.35:
            self.typo += 1
            return "Kirjavea parandus: %s" % self.title
        if r < 0.65:
            self.meeting_day = self.meeting_day % 28 + 1
            return "Arutelu uus kuupäev: %s" % self.title
        if r < 0.75:
            self.hour = 17 if self.hour == 18 else 18
            return "Arutelu kellaaeg: %s" % self.title
        if r < 0.85:
            self.place = "Kool" if self.place == "Rahvamaja" else "Rahvamaja"
            return "Arutelu koht: %s" % self.title
        if r < 0.95:
            self.feedback_days = 21 if self.feedback_days == 14 else 14
            return "Tagasiside aeg: %s" % self.title
        self.status = None if self.status else "cancelled"
        return "Staatus: %s" % self.title


def commit(mark: int, when: int, message: str, files: dict) -> None:
    out.write(b"commit refs/heads/main\n")
    out.write(b"mark :%d\n" % mark)
    out.write(b"author Ametnik <ametnik@example.ee> %d +0200\n" % when)
    out.write(b"committer Ametnik <ametnik@example.ee> %d +0200\n" % when)
    out.write(data(message))
    if mark > 1:
        out.write(b"from :%d\n" % (mark - 1))
    for path, text in files.items():
        out.write(b"M 100644 inline %s\n" % path.encode())
        out.write(data(text))


def main() -> None:
    when = START
    mark = 1
    commit(mark, when, "Saidi seaded ja vallad", site_files())
    plans = []
    for i in range(COMMITS - 1):
        mark += 1
        when += rng.randrange(60, 3600)
        remaining = COMMITS - 1 - i
        missing = PLANS - len(plans)
        # Plans appear over the first part of the history, then changes dominate; all PLANS appear.
        if missing > 0 and (not plans or missing >= remaining or rng.random() < 0.5):
            p = Plan(len(plans))
            plans.append(p)
            commit(mark, when, "Uus plaan: %s" % p.title, {p.path: p.text()})
        else:
            p = plans[rng.randrange(len(plans))]
            commit(mark, when, p.change(), {p.path: p.text()})
    out.write(b"done\n")


if __name__ == "__main__":
    main()

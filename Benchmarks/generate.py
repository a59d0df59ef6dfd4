#!/usr/bin/env python3
"""Writes a synthetic Kaasa site of N plans, and the same plans as a Hugo site.

The plans are spread over the municipalities and villages of the sample site's
content/areas.yml, with bodies of about 4 kB (headings, lists, a table, links),
3 to 6 timeline entries (stages, meetings with times) and feedback windows
around "now". The same seed gives byte-identical sites.

    python3 Benchmarks/generate.py --plans 1000 --out Benchmarks/sites/1000 \
        [--hugo Benchmarks/sites/1000-hugo] [--seed 1] [--now 2026-12-01]
"""

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
HUGO_THEME = Path(__file__).resolve().parent / "hugo"
ZONE = ZoneInfo("Europe/Tallinn")
GENERATOR_VERSION = "1"

TYPES = [
    "development-plan", "comprehensive-plan", "detailed-plan", "budget", "investment",
    "road-works", "regulation", "community-project", "other",
]

# (title after the village name, type, tags)
TOPICS = [
    ("kooli katuse renoveerimine", "investment", ["haridus", "hooned"]),
    ("bussipeatuse ümberpaigutamine", "road-works", ["ühistransport", "liiklus"]),
    ("kergliiklustee ehitus", "road-works", ["kergliiklus", "ohutus"]),
    ("mänguväljaku rajamine", "community-project", ["lapsed", "vaba aeg"]),
    ("tänavavalgustuse uuendamine", "investment", ["valgustus", "energiatõhusus"]),
    ("keskuse detailplaneering", "detailed-plan", ["planeering", "elamud"]),
    ("raamatukogu remont", "investment", ["kultuur", "hooned"]),
    ("spordihoone soojustamine", "investment", ["sport", "energiatõhusus"]),
    ("kruusatee tolmuvabaks muutmine", "road-works", ["teed", "tolm"]),
    ("rannaala korrastamine", "community-project", ["puhkus", "turism"]),
    ("külaplatsi arengukava", "development-plan", ["küla", "arengukava"]),
    ("kaasava eelarve projekt", "budget", ["kaasav eelarve", "kogukond"]),
    ("üldplaneeringu teemaplaneering", "comprehensive-plan", ["planeering", "maakasutus"]),
    ("jäätmejaama laiendamine", "other", ["jäätmed", "keskkond"]),
    ("parkimiskorra muutmine", "regulation", ["parkimine", "määrus"]),
    ("lasteaia rühmaruumide laiendus", "investment", ["lasteaed", "haridus"]),
    ("veevärgi ja kanalisatsiooni uuendamine", "investment", ["vesi", "taristu"]),
    ("seltsimaja ligipääsetavuse parandamine", "community-project", ["ligipääsetavus", "kultuur"]),
]

FIRST_NAMES = ["Kadri", "Mart", "Liis", "Toomas", "Helena", "Jaan", "Evelin", "Priit", "Kristi", "Andres",
               "Maarja", "Rein", "Triin", "Urmas", "Anu", "Margus"]
LAST_NAMES = ["Tamm", "Saar", "Kask", "Mägi", "Org", "Laur", "Sepp", "Kuusk", "Rebane", "Ilves", "Lepik",
              "Kukk", "Põder", "Vaher", "Karu", "Järv"]
PLACES = ["rahvamaja", "seltsimaja", "kooli aula", "raamatukogu", "vallamaja saal", "noortekeskus"]

SENTENCES = [
    "{village} elanikud on juba mitu aastat juhtinud tähelepanu sellele, et praegune olukord ei vasta enam vajadustele.",
    "Vallavalitsus koostas lähteülesande koostöös külaseltsi ja kohalike ettevõtjatega.",
    "Tööde eeldatav algus on {year}. aasta kevadel ja lõpp sama aasta sügisel.",
    "Ehituse ajal on liiklus osaliselt piiratud; ümbersõit tähistatakse ajutiste liiklusmärkidega.",
    "Projekt rahastatakse osaliselt valla investeeringute eelarvest ja osaliselt välistoetusest.",
    "Kui toetust ei saada, tehakse tööd kahes järgus ning teine järk lükkub järgmisse aastasse.",
    "Lahenduse valikul arvestatakse ligipääsetavust ratastooli, lapsevankri ja jalgrattaga liikujatele.",
    "Eskiisis on võrreldud kahte varianti, mille hind ja hoolduskulu erinevad märgatavalt.",
    "Arutelul kogutud ettepanekud avaldatakse koos vallavalitsuse vastustega sellel lehel.",
    "Keskkonnamõju hindamist ei ole vaja algatada, sest tegevus ei põhjusta olulist keskkonnamõju.",
    "Naaberkinnistute omanikke teavitatakse kirjalikult enne tööde algust.",
    "Hanke tulemused selguvad eeldatavasti kuu aega pärast pakkumuste avamist.",
    "Sarnane lahendus on viimastel aastatel hästi toiminud mitmes teises Eesti vallas.",
    "Hooldus jääb pärast valmimist valla kommunaalosakonna kanda.",
    "{village} külaselts on lubanud aidata talgutega, et kulusid vähendada.",
    "Kõik joonised ja seletuskiri on allalaaditavad dokumentide all.",
    "Arvamust saab anda selle lehe vormiga, e-postiga või avalikul arutelul.",
    "Vallavolikogu arutab eelnõu pärast avaliku väljapaneku lõppu.",
    "Koolibussi marsruut muutub tööde ajaks; uus sõiduplaan avaldatakse valla lehes.",
    "Planeeringuala suurus on umbes {hectares} hektarit ja see hõlmab ka osa rohevõrgustikust.",
]

LIST_ITEMS = [
    "olemasoleva katte eemaldamine ja aluse tugevdamine",
    "uus LED-valgustus koos nutika juhtimisega",
    "pingid, prügikastid ja jalgrattahoidjad",
    "ohutu ülekäigurada kooli juurde",
    "sademevee äravoolu korrastamine",
    "haljastus ja uued puud tänava ääres",
    "infotahvlid eesti, vene ja inglise keeles",
    "ligipääsetav kaldtee peasissepääsu juurde",
    "parkimiskohtade arvu vähendamine kooli ees",
    "päikesepaneelide kinnitusvalmidus katusel",
    "kiirusepiirang 30 km/h kooli ümbruses",
    "uus piirdeaed ja värav",
]

QUESTIONS = [
    "Kas pakutud ajakava sobib teile?",
    "Millised kohad vajavad kõige enam valgustust?",
    "Kas eelistate odavamat või vastupidavamat lahendust?",
    "Mis peaks ehituse ajal kindlasti avatuks jääma?",
    "Kas bussipeatuse uus asukoht on teile sobiv?",
    "Milliseid tegevusi soovite uuele platsile?",
]

TIMELINE = [
    # (stage, kind, title)
    ("idea", None, "Idee tutvustati külakoosolekul"),
    ("consultation", None, "Eskiis avalikuks kommenteerimiseks"),
    (None, "meeting", "Avalik arutelu"),
    ("draft", None, "Eelnõu koostatud"),
    ("public-display", None, "Avalik väljapanek"),
    (None, "deadline", "Arvamuste esitamise tähtaeg"),
    ("decision", "decision", "Volikogu otsus"),
    ("approved", "decision", "Kehtestatud"),
    ("in-progress", "milestone", "Ehitustööd algasid"),
    ("completed", "milestone", "Tööd valmis"),
]


def parse_areas(path):
    """The municipalities and villages of areas.yml (the sample's simple layout, no YAML library needed)."""
    municipalities = []
    current = None
    village = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\s*)(- )?(\w+):\s*(.*?)\s*$", line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent, dash, key, value = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        if dash and key == "id" and indent == 2:
            current = {"id": value, "name": value, "website": None, "villages": []}
            municipalities.append(current)
            village = None
        elif dash and key == "id" and indent == 6 and current is not None:
            village = {"id": value, "name": value}
            current["villages"].append(village)
        elif key == "name" and indent == 4 and current is not None:
            current["name"] = value
        elif key == "website" and indent == 4 and current is not None:
            current["website"] = value
        elif key == "name" and indent == 8 and village is not None:
            village["name"] = value
    if not municipalities or not all(m["villages"] for m in municipalities):
        sys.exit(f"could not read municipalities and villages from {path}")
    return municipalities


def q(s):
    """A double-quoted YAML scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def slug(s):
    table = str.maketrans("õäöüšžÕÄÖÜŠŽ", "oaouszOAOUSZ")
    s = s.translate(table).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


class Plan:
    pass


def make_plan(rng, i, municipality, now):
    p = Plan()
    villages = municipality["villages"]
    wide = rng.random() < 0.2
    p.villages = [] if wide else sorted(rng.sample(villages, rng.choice([1, 1, 1, 2, 3])), key=lambda v: v["id"])
    place = p.villages[0]["name"] if p.villages else municipality["name"]
    topic, p.type, tags = rng.choice(TOPICS)
    p.municipality = municipality
    p.title = f"{place} {topic}"
    p.id = f"{slug(place)}-{slug(topic)}-{i:06d}"
    p.tags = tags[: rng.choice([1, 2])]
    p.summary = (
        f"{municipality['name']} kavandab: {place} {topic}. "
        f"Ootame elanike arvamusi lahenduse, ajakava ja maksumuse kohta."
    )
    year = now.year + rng.choice([0, 1])

    # Timeline: a run of consecutive stages, one meeting with a time, spread around now.
    count = rng.randint(3, 6)
    start_stage = rng.randint(0, 3)
    start = now - dt.timedelta(days=rng.randint(20, 420))
    day = start
    entries = []
    steps = [t for t in TIMELINE[start_stage:]][: count]
    while len(steps) < count:
        steps.append((None, "milestone", f"Vahetulemus {len(steps) + 1}"))
    for stage, kind, title in steps:
        day = day + dt.timedelta(days=rng.randint(10, 90))
        e = {"title": title, "stage": stage, "kind": kind}
        if kind == "meeting":
            hour = rng.choice([17, 18, 18, 19])
            e["date"] = dt.datetime(day.year, day.month, day.day, hour, 0)
            e["end"] = e["date"] + dt.timedelta(minutes=rng.choice([90, 120]))
            e["location"] = f"{place} {rng.choice(PLACES)}"
        else:
            e["date"] = day
        entries.append(e)
    if not any(e["stage"] for e in entries):
        entries[0]["stage"] = "idea"
    p.timeline = entries

    p.feedback = None
    if rng.random() < 0.7:
        opens = now + dt.timedelta(days=rng.randint(-60, 45))
        p.feedback = (opens, opens + dt.timedelta(days=rng.randint(14, 45)))
    p.budget = rng.choice([None, None, rng.randint(5, 900) * 1000])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = municipality["id"].split("-")[0]
    p.contact = (f"{first} {last}", f"{slug(first)}.{slug(last)}@{domain}.example.ee",
                 f"+372 5555 {rng.randint(0, 9999):04d}")
    loc = None
    if rng.random() < 0.5:
        loc = (round(58.6 + rng.random() * 0.4, 4), round(25.9 + rng.random() * 1.1, 4), f"{place} keskus")
    p.location = loc
    p.documents = []
    if rng.random() < 0.4:
        site = municipality["website"] or "https://www.example.ee"
        p.documents.append(("Seletuskiri (PDF)", f"{site}/documents/{p.id}.pdf"))
    p.body = make_body(rng, p, place, year)
    return p


def make_body(rng, p, place, year):
    fill = {"village": place, "municipality": p.municipality["name"], "year": year,
            "hectares": rng.randint(2, 40)}

    def paragraph(n):
        return " ".join(rng.choice(SENTENCES).format(**fill) for _ in range(n))

    website = p.municipality["website"] or "https://www.example.ee"
    out = []
    out.append("## Miks see on vajalik\n")
    out.append(paragraph(4) + "\n")
    out.append(paragraph(3) + "\n")
    out.append("## Mida kavandame\n")
    out += [f"- {item};" for item in rng.sample(LIST_ITEMS, rng.randint(4, 6))]
    out.append("")
    out.append(f"Tööd tehakse **{year}. aasta** jooksul. Vaata ka [valla koduleht]({website}) ja "
               f"[Riigi Teataja](https://www.riigiteataja.ee/).\n")
    out.append("## Ajakava ja maksumus\n")
    out.append("| Etapp | Aeg | Maksumus |")
    out.append("| --- | --- | ---: |")
    for k in range(rng.randint(3, 5)):
        out.append(f"| {k + 1}. järk | {rng.choice(['kevad', 'suvi', 'sügis'])} {year + k // 2} | "
                   f"{rng.randint(10, 400) * 1000:,} €".replace(",", " ") + " |")
    out.append("")
    out.append("### Rahastus\n")
    out.append(paragraph(3) + "\n")
    out.append("## Mille kohta ootame arvamust\n")
    for n, question in enumerate(rng.sample(QUESTIONS, rng.randint(2, 4)), 1):
        out.append(f"{n}. {question}")
    out.append("")
    out.append(paragraph(3) + "\n")
    out.append("## Edasi\n")
    text = "\n".join(out)
    while len(text.encode("utf-8")) < 3900:
        text += "\n" + paragraph(2) + "\n"
    return text


def day_text(d):
    return d.strftime("%Y-%m-%d")


def time_text(d):
    if isinstance(d, dt.datetime):
        return d.strftime("%Y-%m-%dT%H:%M")
    return day_text(d)


def rfc3339(d):
    """A full date-time with the Tallinn offset, which Hugo reads as a time."""
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    return d.replace(tzinfo=ZONE).isoformat()


def kaasa_plan(p):
    lines = ["---", f"title: {q(p.title)}", f"summary: {q(p.summary)}",
             f"municipality: {p.municipality['id']}"]
    if p.villages:
        lines.append("villages: [" + ", ".join(v["id"] for v in p.villages) + "]")
    lines.append(f"type: {p.type}")
    lines.append("tags: [" + ", ".join(q(t) for t in p.tags) + "]")
    if p.budget:
        lines.append(f"budget: {{ amount: {p.budget}, currency: EUR }}")
    name, email, phone = p.contact
    lines.append(f"contact: {{ name: {q(name)}, email: {email}, phone: {q(phone)} }}")
    if p.location:
        lat, lon, address = p.location
        lines.append(f"location: {{ lat: {lat}, lon: {lon}, address: {q(address)} }}")
    if p.feedback:
        lines.append(f"feedback: {{ opens: {day_text(p.feedback[0])}, closes: {day_text(p.feedback[1])} }}")
    if p.documents:
        lines.append("documents:")
        for title, url in p.documents:
            lines.append(f"  - {{ title: {q(title)}, url: {url} }}")
    lines.append("timeline:")
    for e in p.timeline:
        lines.append(f"  - date: {time_text(e['date'])}")
        if "end" in e:
            lines.append(f"    end: {time_text(e['end'])}")
        if e["kind"]:
            lines.append(f"    kind: {e['kind']}")
        if e["stage"]:
            lines.append(f"    stage: {e['stage']}")
        lines.append(f"    title: {q(e['title'])}")
        if "location" in e:
            lines.append(f"    location: {q(e['location'])}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + p.body


def hugo_plan(p):
    """The same plan for Hugo: municipality and villages as taxonomies, dates as full times.

    A municipality-wide plan lists every village of its municipality, because a Kaasa village page
    shows the municipality-wide plans too; village terms are municipality-village, as ids repeat.
    """
    m = p.municipality
    villages = p.villages or m["villages"]
    lines = ["---", f"title: {q(p.title)}", f"summary: {q(p.summary)}",
             f"date: {q(rfc3339(p.timeline[0]['date']))}",
             f"municipality: [{m['id']}]",
             "villages: [" + ", ".join(f"{m['id']}-{v['id']}" for v in villages) + "]",
             f"villageNames: [" + ", ".join(q(v["name"]) for v in p.villages) + "]",
             f"wide: {'true' if not p.villages else 'false'}",
             f"plantype: {p.type}",
             "labels: [" + ", ".join(q(t) for t in p.tags) + "]"]
    if p.budget:
        lines.append(f"budget: {p.budget}")
    name, email, phone = p.contact
    lines.append(f"contact: {{ name: {q(name)}, email: {q(email)}, phone: {q(phone)} }}")
    if p.location:
        lat, lon, address = p.location
        lines.append(f"location: {{ lat: {lat}, lon: {lon}, address: {q(address)} }}")
    if p.feedback:
        opens = rfc3339(p.feedback[0])
        closes = rfc3339(p.feedback[1] + dt.timedelta(days=1))
        lines.append(f"feedback: {{ opens: {q(opens)}, closes: {q(closes)}, "
                     f"opensDay: {q(day_text(p.feedback[0]))}, closesDay: {q(day_text(p.feedback[1]))} }}")
    if p.documents:
        lines.append("documents:")
        for title, url in p.documents:
            lines.append(f"  - {{ title: {q(title)}, url: {q(url)} }}")
    lines.append("timeline:")
    keys = {}
    for e in p.timeline:
        key = slug(e["title"])
        keys[key] = keys.get(key, 0) + 1
        if keys[key] > 1:
            key = f"{key}-{keys[key]}"
        lines.append(f"  - date: {q(rfc3339(e['date']))}")
        lines.append(f"    allDay: {'false' if isinstance(e['date'], dt.datetime) else 'true'}")
        lines.append(f"    key: {key}")
        if "end" in e:
            lines.append(f"    end: {q(rfc3339(e['end']))}")
        if e["kind"]:
            lines.append(f"    kind: {e['kind']}")
        if e["stage"]:
            lines.append(f"    stage: {e['stage']}")
        lines.append(f"    title: {q(e['title'])}")
        if "location" in e:
            lines.append(f"    location: {q(e['location'])}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + p.body


def hugo_config(municipalities, now, base_url):
    return f"""baseURL = "{base_url}"
languageCode = "et"
defaultContentLanguage = "et"
title = "Jõgevamaa kogukonnaplaanid"
timeZone = "Europe/Tallinn"
disableKinds = []
enableRobotsTXT = true
buildFuture = true
buildExpired = true
timeout = "600s"

[params]
now = "{now.replace(tzinfo=ZONE).isoformat()}"
feedLimit = 50

[services.rss]
limit = 50

[taxonomies]
municipality = "municipality"
village = "villages"

[mediaTypes."text/calendar"]
suffixes = ["ics"]

[outputFormats.ICS]
mediaType = "text/calendar"
baseName = "calendar"
isPlainText = true
protocol = "webcal://"

[outputFormats.PlansJSON]
mediaType = "application/json"
baseName = "plans"
isPlainText = true

[outputs]
home = ["HTML", "RSS", "ICS", "PlansJSON"]
section = ["HTML"]
page = ["HTML", "ICS"]
term = ["HTML", "RSS", "ICS"]
taxonomy = ["HTML"]

[markup.goldmark.renderer]
unsafe = false
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True, help="the Kaasa site folder to write (replaced)")
    ap.add_argument("--hugo", type=Path, help="also write the same plans as a Hugo site here (replaced)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default="2026-12-01", help="the day the windows and dates are spread around")
    args = ap.parse_args()

    now = dt.datetime.strptime(args.now, "%Y-%m-%d")
    municipalities = parse_areas(REPO / "content" / "areas.yml")
    rng = random.Random(args.seed)
    plans = [make_plan(rng, i, municipalities[rng.randrange(len(municipalities))], now.date())
             for i in range(args.plans)]

    out = args.out
    if out.exists():
        shutil.rmtree(out)
    for name in ["site.yml", "areas.yml"]:
        write(out / "content" / name, (REPO / "content" / name).read_text(encoding="utf-8"))
    for page in sorted((REPO / "content" / "pages").glob("*.md")):
        write(out / "content" / "pages" / page.name, page.read_text(encoding="utf-8"))
    if (REPO / "content" / "files").is_dir():
        shutil.copytree(REPO / "content" / "files", out / "content" / "files")
    for p in plans:
        write(out / "content" / "plans" / p.municipality["id"] / f"{p.id}.md", kaasa_plan(p))

    if args.hugo:
        h = args.hugo
        if h.exists():
            shutil.rmtree(h)
        base_url = "https://plaanid.example.ee/"
        write(h / "hugo.toml", hugo_config(municipalities, now, base_url))
        shutil.copytree(HUGO_THEME / "layouts", h / "layouts")
        shutil.copytree(HUGO_THEME / "data", h / "data")
        areas = {
            "municipalities": {m["id"]: {"name": m["name"], "villages": [v["id"] for v in m["villages"]]}
                               for m in municipalities},
            "villages": {f"{m['id']}-{v['id']}": {"name": v["name"], "municipality": m["id"],
                                                   "municipalityName": m["name"]}
                         for m in municipalities for v in m["villages"]},
        }
        write(h / "data" / "areas.json", json.dumps(areas, ensure_ascii=False, sort_keys=True, indent=1))
        assets = REPO / "themes" / "default" / "assets"
        shutil.copytree(assets, h / "static" / "assets")
        if (REPO / "content" / "files").is_dir():
            shutil.copytree(REPO / "content" / "files", h / "static" / "files")
        write(h / "content" / "plans" / "_index.md", "---\ntitle: Kõik plaanid\n---\n")
        for page in sorted((REPO / "content" / "pages").glob("*.md")):
            # Hugo reads `menu: true` as a menu name and fails; the pages keep their title and text.
            text = re.sub(r"(?m)^menu: .*\n", "", page.read_text(encoding="utf-8"))
            write(h / "content" / page.name, text)
        for p in plans:
            write(h / "content" / "plans" / f"{p.id}.md", hugo_plan(p))

    (out / ".generated").write_text(
        json.dumps({"plans": args.plans, "seed": args.seed, "now": args.now, "version": GENERATOR_VERSION}) + "\n")


if __name__ == "__main__":
    main()

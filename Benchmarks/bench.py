#!/usr/bin/env python3
"""Times kaasa (release build) and Hugo on the same synthetic sites and prints one table: clean
builds, `kaasa check`, a rebuild after editing one plan, and the same edit under `kaasa serve` and
`hugo server`.

Run through `make bench` (Benchmarks/run.sh builds the release binary first). Settings come from
the environment:

    BENCH_SIZES   plan counts, default "1000 10000" (add 100000 for the large site)
    BENCH_RUNS    runs per measurement, the median is shown; default 3
    BENCH_HUGO    0 to skip Hugo; default 1
    BENCH_HUGO_MAX  the largest site Hugo builds (it needs about 280 MiB per 1,000 plans); default: all
    BENCH_SEED    generator seed, default 1
    BENCH_NOW     the day plans are spread around and built for, default 2026-12-01
    KAASA         the binary, default .build/release/kaasa
    BENCH_SITES   where sites are generated and built, default Benchmarks/sites
"""

import hashlib
import json
import os
import platform
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "Benchmarks"
RESULTS = BENCH / "results"


def env(name, default):
    return os.environ.get(name, default)


SIZES = [int(s) for s in env("BENCH_SIZES", "1000 10000").split()]
RUNS = int(env("BENCH_RUNS", "3"))
WITH_HUGO = env("BENCH_HUGO", "1") != "0"
HUGO_MAX = int(env("BENCH_HUGO_MAX", "0")) or None
SEED = int(env("BENCH_SEED", "1"))
NOW = env("BENCH_NOW", "2026-12-01")
KAASA = Path(env("KAASA", str(ROOT / ".build" / "release" / "kaasa")))
# Where the sites are generated and built; a folder in memory (/dev/shm) leaves the disk out.
SITES = Path(env("BENCH_SITES", str(BENCH / "sites")))
# Outputs of earlier runs, moved here and removed once every figure is taken (see `set_aside`).
ASIDE = SITES / ".set-aside"
TIME = "/usr/bin/time"


def say(text=""):
    print(text, flush=True)


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    commit = first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "kaasa": f"{commit}{' (uncommitted changes)' if dirty else ''}",
        "swift": first_line(["swift", "--version"]),
        "hugo": first_line(["hugo", "version"]) if WITH_HUGO else "skipped",
    }


def timed(cmd, cwd=None):
    """Wall seconds (monotonic clock), peak resident memory in MiB and CPU seconds (user + system)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        run = subprocess.run([TIME, "-f", "%M %U %S", "-o", report.name] + cmd, cwd=cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        if run.returncode != 0:
            sys.exit(f"failed ({run.returncode}): {' '.join(cmd)}\n{run.stderr[-3000:]}")
        fields = report.read().split()[-3:]
        rss, cpu = int(fields[0]) / 1024, float(fields[1]) + float(fields[2])
    return seconds, rss, cpu


def hugo_builds(n):
    return WITH_HUGO and (HUGO_MAX is None or n <= HUGO_MAX)


def generate(n):
    site, hugo = SITES / str(n), SITES / f"{n}-hugo"
    with_hugo = hugo_builds(n)
    stamp = {"plans": n, "seed": SEED, "now": NOW}
    generator = (BENCH / "generate.py").read_bytes() + b"".join(
        p.read_bytes() for p in sorted((BENCH / "hugo").rglob("*")) if p.is_file())
    key = json.dumps({**stamp, "generator": hash_bytes(generator)}, sort_keys=True)
    marker = SITES / f".{n}.key"
    if marker.exists() and marker.read_text() == key and site.is_dir() and (hugo.is_dir() or not with_hugo):
        return site, hugo
    say(f"generating {n} plans ...")
    cmd = [sys.executable, str(BENCH / "generate.py"), "--plans", str(n), "--out", str(site),
           "--seed", str(SEED), "--now", NOW]
    if with_hugo:
        cmd += ["--hugo", str(hugo)]
    subprocess.run(cmd, check=True)
    marker.write_text(key if with_hugo else key + " no-hugo")
    return site, hugo


def hash_bytes(data):
    return hashlib.sha256(data).hexdigest()[:16]


def output_size(folder):
    files = 0
    size = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, name))
    return files, size / 1024 / 1024


class Edit:
    """Appends a sentence to one plan's body, as an official would, and puts the file back at the end."""

    def __init__(self, path):
        self.path = path
        self.original = path.read_bytes()
        self.count = 0

    def apply(self):
        self.count += 1
        self.path.write_bytes(self.original + f"\nMuudetud: {self.count}. parandus.\n".encode())

    def restore(self):
        self.path.write_bytes(self.original)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_edits(cmd, first, rebuilt, edit):
    """Starts a development server, waits for its first build (the line matching `first`), then
    changes one plan BENCH_RUNS times and returns each rebuild's seconds as the server reports them
    (the line matching `rebuilt`; its group is seconds, or milliseconds when the line says ms)."""
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in server.stdout], daemon=True).start()
    seen = []

    def wait_for(pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None or time.monotonic() > deadline or server.poll() is not None and lines.empty():
                sys.exit(f"no '{pattern}' from {' '.join(cmd)}:\n{''.join(seen[-20:])}")
            seen.append(line)
            match = re.search(pattern, line)
            if match:
                value = float(match.group(1))
                return value / 1000 if "ms" in pattern else value

    try:
        wait_for(first, 3600)
        times = []
        for _ in range(RUNS):
            # Let the server settle (kaasa writes its caches after a build) before the next change.
            time.sleep(3)
            edit.apply()
            times.append(wait_for(rebuilt, 600))
        return times
    finally:
        edit.restore()
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def one_plan(folder):
    plans = sorted(folder.rglob("*.md"))
    return plans[len(plans) // 2]


def median(values):
    return statistics.median(values)


def set_aside(folder):
    """Moves `folder` out of the way of the next clean build; the folders are removed after the
    timings. On ext4, creating files soon after tens of thousands were deleted was several times
    slower (the inode allocator passes over the recently freed ones: a 10,000-plan build 2.9 s with
    1.3 s system time when the old output was moved away, 7-14 s with 9-22 s system time right after
    it was deleted, and Hugo the same), which measured the file system's past, not the build."""
    if not folder.exists():
        return
    # In memory (tmpfs, `BENCH_SITES=/dev/shm/...`) there is no such allocator, and outputs set
    # aside hold RAM: three 100,000-plan outputs are 14 GB, and the build after them was killed for
    # want of memory. There they are removed at once.
    if memory_backed(folder):
        shutil.rmtree(folder)
        return
    ASIDE.mkdir(parents=True, exist_ok=True)
    folder.rename(Path(tempfile.mkdtemp(dir=ASIDE)) / folder.name)


def memory_backed(path):
    """Whether `path` is on a file system held in memory (tmpfs), by the mount that holds it."""
    real = os.path.realpath(path)
    best, kind = "", ""
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 3:
                    continue
                mount = fields[1].replace("\\040", " ")
                inside = real == mount or real.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) > len(best):
                    best, kind = mount, fields[2]
    except OSError:
        return False
    return kind == "tmpfs"


def kaasa_supports_clean():
    help_text = subprocess.run([str(KAASA), "build", "--help"], capture_output=True, text=True).stdout
    return "--clean" in help_text


def bench_kaasa(n, site):
    output = site / "output"
    build = [str(KAASA), "build", "--site", str(site), "--now", NOW, "--quiet"]
    has_clean = kaasa_supports_clean()
    clean_flag = ["--clean"] if has_clean else []
    result = {}
    clean, rss, cpu = [], [], []
    for _ in range(RUNS):
        set_aside(output)
        shutil.rmtree(site / ".kaasa-cache", ignore_errors=True)
        s, m, c = timed(build + clean_flag)
        clean.append(s)
        rss.append(m)
        cpu.append(c)
    result["clean"] = clean
    result["cpu"] = cpu
    result["rss"] = max(rss)
    result["files"], result["mb"] = output_size(output)
    check = [str(KAASA), "check", "--site", str(site)]
    # Cold: as in CI on a fresh clone, every plan file parsed. Warm: the parse cache the builds wrote.
    cold = []
    for _ in range(RUNS):
        (site / ".kaasa-cache" / "parsed-plans").unlink(missing_ok=True)
        cold.append(timed(check)[0])
    result["check cold"] = cold
    result["check"] = [timed(check)[0] for _ in range(RUNS)]
    edit = Edit(one_plan(site / "content" / "plans"))
    try:
        rebuild = []
        for _ in range(RUNS):
            edit.apply()
            rebuild.append(timed(build)[0])
        result["edit"] = rebuild
    finally:
        edit.restore()
    serve = [str(KAASA), "serve", "--site", str(site), "--now", NOW, "--port", str(free_port())]
    pattern = r"built \d+ files in ([\d.]+) s"
    result["serve edit"] = served_edits(serve, pattern, pattern, Edit(one_plan(site / "content" / "plans")))
    if has_clean:
        result["note"] = "clean builds used --clean; the edit rebuild used the cache"
    return result


def bench_hugo(n, hugo):
    public = hugo / "public"
    cmd = ["hugo", "--source", str(hugo), "--destination", str(public), "--quiet"]
    result = {}
    clean, rss, cpu = [], [], []
    for _ in range(RUNS):
        for folder in [public, hugo / "resources"]:
            set_aside(folder)
        s, m, c = timed(cmd)
        clean.append(s)
        rss.append(m)
        cpu.append(c)
    result["clean"] = clean
    result["cpu"] = cpu
    result["rss"] = max(rss)
    result["files"], result["mb"] = output_size(public)
    edit = Edit(one_plan(hugo / "content" / "plans"))
    try:
        rebuild = []
        for _ in range(RUNS):
            edit.apply()
            rebuild.append(timed(cmd)[0])
        result["edit"] = rebuild
    finally:
        edit.restore()
    # Hugo's server renders into memory and is told of changes by the kernel.
    serve = ["hugo", "server", "--source", str(hugo), "--port", str(free_port()), "--disableLiveReload"]
    result["serve edit"] = served_edits(
        serve, r"Built in (\d+) ms", r"Total in (\d+) ms", Edit(one_plan(hugo / "content" / "plans")))
    return result


def fmt(seconds):
    return f"{seconds:.2f}" if seconds < 100 else f"{seconds:.0f}"


def table(rows, machine_info):
    lines = []
    lines.append("Kaasa benchmark")
    for k, v in machine_info.items():
        lines.append(f"  {k + ':':24} {v}")
    lines.append(f"  {'runs per figure:':24} {RUNS} (median shown; peak memory is the largest of the clean builds)")
    lines.append(f"  {'now:':24} {NOW}; seed {SEED}")
    lines.append("")
    head = ["plans", "tool", "clean build s", "plans/s", "CPU s", "peak MiB", "check s", "cached check s",
            "edit+rebuild s", "serve edit s", "files", "output MiB"]
    body = []
    for n, name, r in rows:
        if name == "ratio":
            body.append([f"{n:,}", "kaasa/hugo", f"{r['clean']:.2f}x", "", f"{r['cpu']:.2f}x",
                         f"{r['rss']:.2f}x", "", "", f"{r['edit']:.2f}x", f"{r['serve edit']:.2f}x", "", ""])
            continue
        c = median(r["clean"])
        body.append([
            f"{n:,}", name, fmt(c), f"{n / c:,.0f}", fmt(median(r["cpu"])), f"{r['rss']:.0f}",
            fmt(median(r["check cold"])) if "check cold" in r else "-",
            fmt(median(r["check"])) if "check" in r else "-",
            fmt(median(r["edit"])), fmt(median(r["serve edit"])), f"{r['files']:,}", f"{r['mb']:.0f}",
        ])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for row in body:
        lines.append("  ".join(str(x).rjust(w) if i != 1 else str(x).ljust(w)
                               for i, (x, w) in enumerate(zip(row, widths))))
    lines.append("")
    lines.append("clean build: cache removed and output moved aside first (outputs are removed after all timings,")
    lines.append("on tmpfs at once: right after a mass delete, ext4 creates files several times slower);")
    lines.append("edit+rebuild: one plan's body changed, then a plain second build; check: `kaasa check` without,")
    lines.append("cached check with the parse cache the builds left (Hugo has no check); serve edit: the rebuild")
    lines.append("after one plan's body changed, as `kaasa serve` and `hugo server` report it (both hear of changes")
    lines.append("from the kernel; kaasa waits 0.2 s for them to settle, Hugo renders into memory); CPU s: user +")
    lines.append("system time of a clean build, which a busy machine disturbs less than the wall time.")
    lines.append("Runs, in seconds:")
    for n, name, r in rows:
        if name == "ratio":
            continue
        runs = ", ".join(f"{k} " + " ".join(fmt(x) for x in r[k]) for k in ["clean", "check cold", "check", "edit", "serve edit"] if k in r)
        lines.append(f"  {n:>7,} {name:5}  {runs}{'  (' + r['note'] + ')' if 'note' in r else ''}")
    return "\n".join(lines) + "\n"


def main():
    if not KAASA.exists():
        sys.exit(f"{KAASA} is missing: run `swift build -c release --product kaasa` (make bench does)")
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is missing: install the 'time' package (Benchmarks/run.sh does)")
    if WITH_HUGO and not shutil.which("hugo"):
        sys.exit("hugo is missing: install it (Benchmarks/run.sh does), or set BENCH_HUGO=0")
    SITES.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(ASIDE, ignore_errors=True)
    info = machine()
    rows = []
    raw = {"machine": info, "runs": RUNS, "now": NOW, "seed": SEED, "sizes": {}}
    for n in SIZES:
        site, hugo = generate(n)
        say(f"{n:,} plans: kaasa ...")
        k = bench_kaasa(n, site)
        rows.append((n, "kaasa", k))
        raw["sizes"][n] = {"kaasa": k}
        say(f"  clean {fmt(median(k['clean']))} s, check {fmt(median(k['check cold']))} s "
            f"(cached {fmt(median(k['check']))} s), "
            f"edit+rebuild {fmt(median(k['edit']))} s, serve edit {fmt(median(k['serve edit']))} s, "
            f"peak {k['rss']:.0f} MiB")
        if hugo_builds(n):
            say(f"{n:,} plans: hugo ...")
            h = bench_hugo(n, hugo)
            rows.append((n, "hugo", h))
            raw["sizes"][n]["hugo"] = h
            say(f"  clean {fmt(median(h['clean']))} s, edit+rebuild {fmt(median(h['edit']))} s, "
                f"serve edit {fmt(median(h['serve edit']))} s, "
                f"peak {h['rss']:.0f} MiB")
            rows.append((n, "ratio", {
                "clean": median(k["clean"]) / median(h["clean"]),
                "rss": k["rss"] / h["rss"],
                "cpu": median(k["cpu"]) / median(h["cpu"]),
                "edit": median(k["edit"]) / median(h["edit"]),
                "serve edit": median(k["serve edit"]) / median(h["serve edit"]),
            }))
    text = table(rows, info)
    say("")
    say(text)
    (RESULTS / "latest.txt").write_text(text)
    (RESULTS / "latest.json").write_text(json.dumps(raw, indent=1, default=str) + "\n")
    say(f"written to {(RESULTS / 'latest.txt').relative_to(ROOT)} and latest.json")
    shutil.rmtree(ASIDE, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Load and crash test for `kaasa feedback serve` (Python standard library only).

Starts the release-built server on 127.0.0.1 with a throw-away site and database, sends a bounded number
of posts (half form, half JSON) over keep-alive connections from worker processes, and records every
acknowledged reference. With --kill, the server is killed with SIGKILL when half the posts are done and
started again on the same database; the workers reconnect and carry on. Afterwards every acknowledged
reference must be in the database and PRAGMA integrity_check must say ok.

Only 127.0.0.1 is ever contacted; the run stops by itself after --requests posts or --time-limit seconds.

    swift build -c release --product kaasa
    python3 Tests/load/feedback_load.py --requests 20000 --concurrency 64
    python3 Tests/load/feedback_load.py --requests 20000 --concurrency 64 --kill
"""

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

HOST = "127.0.0.1"  # never anything else
PLANS = [("torma-kooli-katus", "jogeva-vald", "Jõgeva vald", "torma"),
         ("poltsamaa-tee", "poltsamaa-vald", "Põltsamaa vald", "adavere"),
         ("mustvee-sadam", "mustvee-vald", "Mustvee vald", "kasepaa")]


def write_site(folder):
    now = dt.datetime.now(dt.timezone.utc)
    opens = (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    closes = (now + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "site.json"), "w", encoding="utf-8") as f:
        json.dump({"title": "Koormustest", "baseURL": "https://plaanid.example.ee/", "language": "et",
                   "timezone": "Europe/Tallinn"}, f, ensure_ascii=False)
    plans = [{"id": pid, "title": pid, "url": f"https://plaanid.example.ee/plans/{pid}/", "municipality": mid,
              "municipalityName": mname, "villages": [{"id": vid, "name": vid.title()}], "type": "investment",
              "status": "consultation",
              "feedback": {"opens": opens[:10], "closes": closes[:10], "opensAt": opens, "closesAt": closes}}
             for pid, mid, mname, vid in PLANS]
    with open(os.path.join(folder, "plans.json"), "w", encoding="utf-8") as f:
        json.dump(plans, f, ensure_ascii=False)


def cpu_seconds(proc):
    """User + system CPU time of a running process, from /proc (0 where that is not available)."""
    try:
        with open(f"/proc/{proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(binary, site, db, port, log):
    return subprocess.Popen(
        [binary, "feedback", "serve", "--site", site, "--db", db, "--host", HOST, "--port", str(port),
         "--rate-limit", "0", "--log-level", "error"],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL)


def wait_healthy(port, proc, deadline):
    request = f"GET /health HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before it was ready")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(request)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit("server did not become healthy in time")


def body_for(i):
    pid, _, _, vid = PLANS[i % len(PLANS)]
    message = f"Koormustesti sõnum nr {i}: õunad, pirnid ja „jutumärgid“ & muu."
    if i % 2 == 0:
        body = urllib.parse.urlencode({"plan": pid, "message": message, "name": f"Elanik {i}",
                                       "email": f"elanik{i}@example.ee", "village": vid, "website": ""})
        return "application/x-www-form-urlencoded", body.encode()
    return "application/json", json.dumps({"plan": pid, "message": message, "village": vid}).encode()


async def read_response(reader):
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    location = None
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "location":
            location = value.strip()
    body = await reader.readexactly(length) if length else b""
    return status, location, body


def reference_of(status, location, body):
    if status == 201:
        return json.loads(body)["reference"]
    if status == 303 and location:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        return query["ref"][0]
    return None


async def connection(port, counter, total, deadline, results):
    reader = writer = None
    while time.monotonic() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 2)
            except (OSError, asyncio.TimeoutError):
                # The server is restarting: wait for it rather than use up posts.
                await asyncio.sleep(0.01)
                continue
        with counter.get_lock():
            i = counter.value
            if i >= total:
                break
            counter.value += 1
        ctype, body = body_for(i)
        request = (f"POST /feedback HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {ctype}\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        started = time.monotonic()
        try:
            writer.write(request)
            await writer.drain()
            status, location, payload = await asyncio.wait_for(read_response(reader), 30)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
            # Sent but not acknowledged (the server died mid-request): it may or may not be stored.
            results["errors"] += 1
            writer.close()
            reader = writer = None
            continue
        ref = reference_of(status, location, payload)
        if ref is None:
            results["statuses"][status] = results["statuses"].get(status, 0) + 1
            continue
        results["acked"].append(ref)
        results["latency"].append(time.monotonic() - started)
    if writer is not None:
        writer.close()


def worker(port, counter, total, deadline, connections, queue):
    results = {"acked": [], "latency": [], "errors": 0, "statuses": {}}

    async def main():
        await asyncio.gather(*(connection(port, counter, total, deadline, results) for _ in range(connections)))

    asyncio.run(main())
    queue.put(results)


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def stored_so_far(db):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COALESCE(MAX(id), 0) FROM feedback").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def python_clients(args, port, deadline):
    """Starts the client processes; returns (progress, collect) callables."""
    counter = mp.Value("q", 0)
    queue = mp.Queue()
    per_worker = [args.concurrency // args.processes + (1 if w < args.concurrency % args.processes else 0)
                  for w in range(args.processes)]
    workers = [mp.Process(target=worker, args=(port, counter, args.requests, deadline, n, queue))
               for n in per_worker if n > 0]
    for w in workers:
        w.start()

    def collect():
        collected = [queue.get(timeout=max(1, deadline - time.monotonic() + 30)) for _ in workers]
        for w in workers:
            w.join()
        acked = [ref for r in collected for ref in r["acked"]]
        latency = [v for r in collected for v in r["latency"]]
        statuses = {}
        for r in collected:
            for k, v in r["statuses"].items():
                statuses[k] = statuses.get(k, 0) + v
        return {"acked": acked, "errors": sum(r["errors"] for r in collected), "statuses": statuses,
                "p50": percentile(latency, 50), "p99": percentile(latency, 99)}

    return (lambda: counter.value), collect


def wrk_clients(args, port, deadline, work, work_db):
    """Runs Debian's wrk with post.lua; each of its threads stops after its share of answers."""
    lua = os.path.join(os.path.dirname(os.path.abspath(__file__)), "post.lua")
    threads = args.processes
    seconds = max(1, int(deadline - time.monotonic()))
    wrk = subprocess.Popen(
        ["wrk", f"-t{threads}", f"-c{args.concurrency}", f"-d{seconds}s", "--timeout", "30s", "-s", lua,
         f"http://{HOST}:{port}/feedback", "--", str(args.requests // threads), work],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def collect():
        # wrk runs for its whole -d even when every thread has stopped itself: once the database holds
        # as many posts as were asked for, interrupt it (it then prints its summary and exits).
        while wrk.poll() is None and time.monotonic() < deadline:
            if stored_so_far(work_db) >= args.requests:
                break
            time.sleep(0.02)
        finished = time.monotonic()
        time.sleep(0.2)
        if wrk.poll() is None:
            wrk.send_signal(signal.SIGINT)
        output, _ = wrk.communicate(timeout=max(1, deadline - time.monotonic() + 30))
        acked = []
        for t in range(1, threads + 1):
            with open(os.path.join(work, f"refs-{t}.txt"), encoding="utf-8") as f:
                acked += [urllib.parse.unquote(line.strip()) for line in f if line.strip()]
        p50 = p99 = float("nan")
        for line in output.splitlines():
            if line.startswith("latency p50"):
                parts = line.split()
                p50, p99 = float(parts[2]) / 1000, float(parts[5]) / 1000
        return {"acked": acked, "errors": max(0, args.requests - len(acked)), "statuses": {},
                "p50": p50, "p99": p99, "wrk": output.strip().splitlines()[-6:], "finished": finished}

    return None, collect


def run(args):
    work = tempfile.mkdtemp(prefix="kaasa-load-")
    site = os.path.join(work, "output")
    db = os.path.join(work, "feedback.sqlite")
    write_site(site)
    port = free_port()
    log = open(os.path.join(work, "server.log"), "wb")
    deadline = time.monotonic() + args.time_limit
    proc = start_server(args.binary, site, db, port, log)
    kills = 0
    server_cpu = 0.0
    downtime = 0.0
    try:
        wait_healthy(port, proc, deadline)
        started = time.monotonic()
        if args.client == "wrk":
            progress, collect = wrk_clients(args, port, deadline, work, db)
            progress = lambda: stored_so_far(db)  # noqa: E731
        else:
            progress, collect = python_clients(args, port, deadline)
        if args.kill:
            while progress() < args.requests // 2 and time.monotonic() < deadline:
                time.sleep(0.005)
            server_cpu += cpu_seconds(proc)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            down = time.monotonic()
            proc = start_server(args.binary, site, db, port, log)
            wait_healthy(port, proc, deadline)
            downtime = time.monotonic() - down
        result = collect()
        elapsed = result.get("finished", time.monotonic()) - started
        server_cpu += cpu_seconds(proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()

    acked = result["acked"]
    con = sqlite3.connect(db)
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    stored = {row[0] for row in con.execute("SELECT reference FROM feedback")}
    journal = con.execute("PRAGMA journal_mode").fetchone()[0]
    con.close()
    missing = [ref for ref in acked if ref not in stored]
    duplicates = len(acked) - len(set(acked))

    report = {
        "client": args.client, "kill": args.kill, "requests": args.requests, "concurrency": args.concurrency,
        "processes": args.processes, "acknowledged": len(acked), "not_acknowledged": result["errors"],
        "other_statuses": result["statuses"], "stored": len(stored), "missing": len(missing),
        "duplicate_references": duplicates, "integrity_check": integrity, "journal_mode": journal,
        "seconds": round(elapsed, 3), "restart_seconds": round(downtime, 3),
        "accepted_per_second": round(len(acked) / elapsed, 1),
        "p50_ms": round(result["p50"] * 1000, 2), "p99_ms": round(result["p99"] * 1000, 2),
        "kills": kills, "server_cpu_ms_per_post": round(server_cpu * 1000 / max(1, len(acked)), 3),
    }
    if "wrk" in result:
        report["wrk"] = result["wrk"]
    complete = len(acked) >= args.requests if args.client == "wrk" else len(acked) == args.requests
    ok = (not missing and duplicates == 0 and integrity == "ok" and journal == "wal"
          and not result["statuses"] and (args.kill or complete))
    if args.client == "python":
        ok = ok and len(acked) + result["errors"] == args.requests
    report["ok"] = ok
    if ok or not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        report["kept"] = work
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(".build", "release", "kaasa"))
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64, help="keep-alive connections in all")
    parser.add_argument("--processes", type=int, default=2,
                        help="client processes (or wrk threads) sharing the connections")
    parser.add_argument("--client", choices=["python", "wrk"], default="python",
                        help="python (this script's own client) or Debian's wrk with post.lua")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the server halfway and restart it")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=300, help="seconds before a run gives up")
    parser.add_argument("--keep", action="store_true", help="keep the folder of a failed run")
    args = parser.parse_args()
    if not (1 <= args.requests <= 1_000_000 and 1 <= args.concurrency <= 1024 and 1 <= args.processes <= 16):
        parser.error("requests, concurrency or processes out of range")
    if args.client == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install wrk")
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary} is not an executable: swift build -c release --product kaasa")
    reports = []
    for n in range(args.runs):
        report = run(args)
        reports.append(report)
        print(json.dumps(report, ensure_ascii=False), flush=True)
    rates = sorted(r["accepted_per_second"] for r in reports)
    p99s = sorted(r["p99_ms"] for r in reports)
    print(f"median of {len(reports)} run(s): {rates[len(rates) // 2]} accepted posts/s, "
          f"p99 {p99s[len(p99s) // 2]} ms ({args.client} client, {'with' if args.kill else 'without'} SIGKILL, "
          f"{os.cpu_count()} cores)")
    failed = sum(1 for r in reports if not r["ok"])
    print(f"{len(reports) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

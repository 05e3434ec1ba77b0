#!/usr/bin/env python3
"""Writes multicast_kernel_cases.json: the steps of the suite's multicast
cases (and the IP_UNICAST_IF ones), expanded with their matrix entries and
the default topology, next to the observations a kernel run recorded.

usage: extract_cases.py RESULTS.jsonl CASES_DIR OUT.json
"""
import json
import re
import sys
import tomllib
from pathlib import Path

VARS = {"dut_addr": "192.0.2.1", "peer_addr": "192.0.2.2", "router_addr": "192.0.2.254",
        "remote_addr": "198.51.100.7", "unreachable_addr": "203.0.113.9", "dut_ifindex": 2,
        "lo_ifindex": 1, "dut_if": "dut0"}
FILES = ["multicast/*.toml", "sockopt/ip_unicast_if.toml"]


def subst(v, env):
    if isinstance(v, dict):
        return {k: subst(x, env) for k, x in v.items()}
    if isinstance(v, list):
        return [subst(x, env) for x in v]
    if not isinstance(v, str):
        return v
    m = re.fullmatch(r"\$\{([\w.]+)\}", v)
    if m:
        found = lookup(m.group(1), env, None)
        return v if found is None else subst(found, env)
    return re.sub(r"\$\{([\w.]+)\}", lambda m: str(lookup(m.group(1), env, m.group(0))), v)


def lookup(path, env, default):
    cur = env
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur


def main():
    results, cases_dir, out = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    defs = {}
    for pattern in FILES:
        for f in sorted(cases_dir.glob(pattern)):
            for c in tomllib.loads(f.read_text()).get("case", []):
                defs[c["id"]] = c
    rows = []
    for line in open(results):
        r = json.loads(line)
        c = defs.get(r["base"])
        if c is None or r.get("target") != "kernel":
            continue
        env = dict(VARS)
        for key, name in (r.get("params") or {}).items():
            name = str(name)
            entries = c["matrix"][key]
            entry = next((e for e in entries if str(e.get("name", e) if isinstance(e, dict) else e) == name), None)
            if entry is None:
                raise SystemExit(f"{r['case']}: no matrix entry {key}={name}")
            env[key] = entry
        steps = [subst(s, env) for s in c["steps"]]
        for s in steps:
            s.pop("doc", None)
            s.pop("expect", None)
        if "requires" in c:
            steps.insert(0, {"op": "requires", **subst(c["requires"], env)})
            r["observations"].insert(0, {"ret": 0})
        rows.append({"case": r["case"], "steps": steps, "obs": r["observations"]})
    rows.sort(key=lambda x: x["case"])
    with open(out, "w") as f:
        json.dump(rows, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(len(rows), "cases")


main()

#!/usr/bin/env bash
# End-to-end checks of the ipconform command (needs root):
#  1. a broken case file gives file:line diagnostics, and the other cases
#     still list and run;
#  2. a run interrupted with SIGINT exits 130, keeps its results, and leaves
#     no namespace or process of its own behind;
#  3. --resume finishes it;
#  4. `stack` (a stand-in playing ipconform-stackd) runs in TAP mode beside
#     the kernel, told the facts, and the reports show both;
#  5. --target-cmd adapters: facts in the environment, --target-dut kernel;
#  6. a stack that dies mid-case gives `error` and is restarted;
#  7. --update-baseline writes, keeps reasons, drops stale entries, is stable.
# Usage: cli_test.sh IPCONFORM CASES FAKE_TARGET KERNEL_PROBE
set -uo pipefail
ipconform=$1
cases=$2
fake=$3
probe=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$tmp/cases"
cat > "$tmp/cases/good.toml" <<'TOML'
[[case]]
id = "t.good"
title = "a UDP socket can be created"
claims = ["sock.types"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
TOML
cat > "$tmp/cases/broken.toml" <<'TOML'
[[case]]
id = "t.broken"
title = "names an option that does not exist"
claims = ["sock.types"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "IP_NO_SUCH_OPTION", value = 1 },
]

[[case]]
id = "t.fine-too"
title = "the file's other case still loads"
claims = ["sock.types"]
steps = [{ op = "socket", type = "SOCK_STREAM" }]
TOML

# 1. Diagnostics and the rest still running.
"$ipconform" lint "$tmp/cases" 2>"$tmp/lint.err" >/dev/null
[[ $? -eq 1 ]] || fail "lint of a broken file must exit 1"
grep -q "broken.toml:7: unknown option 'IP_NO_SUCH_OPTION'" "$tmp/lint.err" || fail "no file:line diagnostic: $(cat "$tmp/lint.err")"
ids=$("$ipconform" list "$tmp/cases" 2>/dev/null)
[[ "$ids" == $'t.fine-too\nt.good' ]] || fail "list shows '$ids'"
# An option before the paths must not swallow them.
ids=$("$ipconform" list --filter 't.g*' "$tmp/cases" 2>/dev/null)
[[ "$ids" == "t.good" ]] || fail "list --filter GLOB PATH shows '$ids'"
"$ipconform" run "$tmp/cases" --out "$tmp/out1" --no-progress >/dev/null 2>"$tmp/run.err"
[[ $? -eq 1 ]] || fail "a run with a broken case file must exit 1"
[[ $(grep -c '"verdict":"pass"' "$tmp/out1/results.jsonl") -eq 2 ]] || fail "the two good cases did not pass"
echo "ok: broken case reported, others ran"

# 2. SIGINT in the middle of a long run.
# A slice of the suite, repeated, so the run lasts a few seconds.
slice=(--filter 'sockopt.*' --repeat 5)
"$ipconform" run "$cases" "${slice[@]}" --jobs 2 --out "$tmp/out2" --no-progress >/dev/null 2>&1 &
runner=$!
for _ in $(seq 200); do
  [[ -s "$tmp/out2/results.jsonl" ]] && break
  sleep 0.05
done
[[ -s "$tmp/out2/results.jsonl" ]] || fail "the run wrote no result"
# The namespaces this run's targets live in.
kids=$(pgrep -P "$runner" || true)
[[ -n "$kids" ]] || fail "no target process under the runner"
ns=$(for k in $kids; do stat -L -c %i "/proc/$k/ns/net" 2>/dev/null; done | sort -u)
[[ -n "$ns" ]] || fail "could not read the targets' namespaces"
kill -INT "$runner"
wait "$runner"
rc=$?
[[ $rc -eq 130 ]] || fail "interrupted run exited $rc, not 130"
for k in $kids; do kill -0 "$k" 2>/dev/null && fail "target process $k outlived the runner"; done
live=$(lsns -t net -n -o NS 2>/dev/null | tr -d ' ')
for n in $ns; do grep -qx "$n" <<<"$live" && fail "namespace $n outlived the runner"; done
[[ -z "$(ip netns list)" ]] || fail "ip netns list is not empty: $(ip netns list)"
python_ok=$(while read -r line; do [[ "$line" == \{*\} ]] || echo bad; done < "$tmp/out2/results.jsonl")
[[ -z "$python_ok" ]] || fail "results.jsonl has a partial line"
grep -q '"interrupted": true' "$tmp/out2/run.json" || fail "run.json does not say interrupted"
echo "ok: interrupted run kept $(wc -l < "$tmp/out2/results.jsonl") results and left nothing behind"

# 3. --resume finishes the interrupted run: every instance once, none lost.
kept=$(wc -l < "$tmp/out2/results.jsonl")
"$ipconform" run "$cases" "${slice[@]}" --jobs 2 --out "$tmp/out2" --no-progress --resume >"$tmp/resume.out" 2>&1
rc=$?
[[ $rc -eq 0 ]] || fail "resumed run exited $rc: $(tail -3 "$tmp/resume.out")"
grep -q "resuming: $kept record(s) kept" "$tmp/resume.out" || fail "resume did not keep the $kept records: $(head -1 "$tmp/resume.out")"
want=$(( $("$ipconform" list "$cases" --filter 'sockopt.*' 2>/dev/null | wc -l) * 5 ))
have=$(wc -l < "$tmp/out2/results.jsonl")
[[ $have -eq $want ]] || fail "after --resume results.jsonl has $have records, want $want"
dups=$(grep -o '"case":"[^"]*"\|"repeat":[0-9]*' "$tmp/out2/results.jsonl" | paste - - | sort | uniq -d | wc -l)
[[ $dups -eq 0 ]] || fail "$dups instances recorded twice after --resume"
echo "ok: --resume completed the run ($kept kept, $have in all, no duplicates)"

# Counts records of results.jsonl: count FILE TARGET [VERDICT] [REASON-SUBSTRING]
count() {
  python3 - "$@" <<'PY'
import json, sys
f, target = sys.argv[1], sys.argv[2]
verdict = sys.argv[3] if len(sys.argv) > 3 else ""
reason = sys.argv[4] if len(sys.argv) > 4 else ""
n = 0
for line in open(f):
    r = json.loads(line)
    if r["target"] == target and (not verdict or r["verdict"] == verdict) and reason in r["reason"]:
        n += 1
print(n)
PY
}
# What a target said in hello: implementation FILE TARGET
implementation() {
  python3 -c 'import json,sys; print([t["implementation"] for t in json.load(open(sys.argv[1]))["targets"] if t["name"] == sys.argv[2]][0])' "$1" "$2"
}
ttl=(--filter 'sockopt.ip_ttl.*' --jobs 2 --no-progress)
n_ttl=$("$ipconform" list "$cases" --filter 'sockopt.ip_ttl.*' 2>/dev/null | wc -l)

# 4. The built-in `stack`, in TAP mode beside the kernel.
IPCONFORM_STACKD="$fake" "$ipconform" run "$cases" "${ttl[@]}" --targets kernel,stack --out "$tmp/out4" >"$tmp/run4.out" 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "kernel,stack with a stand-in stack exited $rc, not 1: $(tail -3 "$tmp/run4.out")"
impl=$(implementation "$tmp/out4/run.json" stack)
for want in "attached=True" "tap=tap0" "ifname=dut0" "mac=02:00:00:00:01:01" "address=192.0.2.1/24" \
            "route=198.51.100.0/24=192.0.2.254,224.0.0.0/4" \
            "neighbour=192.0.2.2=02:00:00:00:02:02,192.0.2.254=02:00:00:00:02:02"; do
  [[ "$impl" == *"$want"* ]] || fail "stack was not told $want: $impl"
done
[[ $(count "$tmp/out4/results.jsonl" kernel pass) -eq $n_ttl ]] || fail "the kernel did not pass all $n_ttl instances"
[[ $(count "$tmp/out4/results.jsonl" stack) -eq $n_ttl ]] || fail "stack did not run all $n_ttl instances"
[[ $(count "$tmp/out4/results.jsonl" stack skip "target lacks feature tcp") -gt 0 ]] || fail "no tcp skip on stack"
[[ $(count "$tmp/out4/results.jsonl" kernel skip "target lacks feature tcp") -eq 0 ]] || fail "tcp skip on the kernel"
grep -q '^| kernel (' "$tmp/out4/summary.md" && grep -q '^| stack |' "$tmp/out4/summary.md" ||
  fail "summary.md lacks a row per target"
grep -q '<testsuite name="ipconform.kernel" tests="'"$n_ttl"'"' "$tmp/out4/junit.xml" &&
  grep -q '<testsuite name="ipconform.stack" tests="'"$n_ttl"'"' "$tmp/out4/junit.xml" ||
  fail "junit.xml lacks a suite per target"
grep -q 'stack fail' "$tmp/out4/report/index.html" || fail "index.html does not show stack's verdicts"
echo "ok: stack ran in TAP mode beside the kernel, told the facts; reports show both"

# 5. Adapters: facts in the environment (TAP), or the kernel's DUT.
"$ipconform" run "$cases" "${ttl[@]}" --target-cmd "other=$fake --features tcp" --targets kernel,other \
  --out "$tmp/out5" >"$tmp/run5.out" 2>&1
impl=$(implementation "$tmp/out5/run.json" other)
for want in "attached=True" "env:tap=tap0" "env:target=other" "env:ifname=dut0" "env:address=192.0.2.1/24" \
            "env:routes=198.51.100.0/24=192.0.2.254 224.0.0.0/4"; do
  [[ "$impl" == *"$want"* ]] || fail "the adapter was not told $want: $impl"
done
"$ipconform" run "$cases" "${ttl[@]}" --target-cmd "other=$probe" --target-dut other=kernel --targets kernel,other \
  --out "$tmp/out5k" >"$tmp/run5k.out" 2>&1
rc=$?
[[ $rc -eq 0 && $(count "$tmp/out5k/results.jsonl" other pass) -eq $n_ttl ]] ||
  fail "the kernel probe as a kernel-DUT adapter exited $rc: $(tail -3 "$tmp/run5k.out")"
"$ipconform" run "$cases" "${ttl[@]}" --target-cmd "other=$probe" --targets kernel,other \
  --out "$tmp/out5t" >"$tmp/run5t.out" 2>&1
rc=$?
[[ $rc -eq 2 ]] && grep -q "target 'other' answered hello, but bridge port tap0 does not forward" "$tmp/run5t.out" ||
  fail "a TAP-mode target that never attaches must fail to start (exit $rc): $(tail -3 "$tmp/run5t.out")"
echo "ok: adapters get the facts in their environment, or the kernel's DUT with --target-dut"

# 6. A stack that dies in the middle of cases.
cat >"$tmp/dying-stackd" <<SH
#!/bin/sh
exec "$fake" --features tcp --exit-on setsockopt "\$@"
SH
chmod +x "$tmp/dying-stackd"
IPCONFORM_STACKD="$tmp/dying-stackd" "$ipconform" run "$cases" "${ttl[@]}" --targets kernel,stack \
  --out "$tmp/out6" >"$tmp/run6.out" 2>&1
rc=$?
died=$(count "$tmp/out6/results.jsonl" stack error "target broke")
ran=$(( $(count "$tmp/out6/results.jsonl" stack) - died ))
[[ $rc -eq 1 && $died -gt 0 && $ran -gt 0 ]] ||
  fail "dying stack: exit $rc, $died broken, $ran others: $(tail -3 "$tmp/run6.out")"
[[ $(count "$tmp/out6/results.jsonl" stack) -eq $n_ttl ]] || fail "the dying stack did not get every instance"
[[ $(count "$tmp/out6/results.jsonl" stack error) -eq $died ]] || fail "errors other than the deaths"
echo "ok: a stack that died in $died case(s) was restarted for the $ran others"

# 7. --update-baseline.
bl="$tmp/stack.toml"
IPCONFORM_STACKD="$fake" "$ipconform" run "$cases" "${ttl[@]}" --targets kernel,stack --out "$tmp/out7" \
  --update-baseline "$bl" >"$tmp/run7.out" 2>&1
rc=$?
bad=$(( $(count "$tmp/out4/results.jsonl" stack fail) + $(count "$tmp/out4/results.jsonl" stack diverge) ))
[[ $rc -eq 0 ]] || fail "--update-baseline run exited $rc: $(tail -3 "$tmp/run7.out")"
[[ $(grep -c '^\[\[known\]\]' "$bl") -eq $bad && $bad -gt 0 ]] || fail "$bl does not list the $bad failures"
IPCONFORM_STACKD="$fake" "$ipconform" run "$cases" "${ttl[@]}" --targets kernel,stack --out "$tmp/out7b" \
  --baseline "$bl" >/dev/null 2>&1
rc=$?
[[ $rc -eq 0 && $(count "$tmp/out7b/results.jsonl" stack xfail) -eq $bad ]] || fail "the written baseline does not cover the run"
# Hand edits: a reason of our own is kept, an entry for a case that is gone is dropped.
first_case=$(grep -m1 '^case = ' "$bl")
python3 - "$bl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
i = next(k for k, l in enumerate(lines) if l.startswith("reason = "))
lines[i] = 'reason = "written by hand"'
open(p, "w").write("\n".join(lines) + '\n[[known]]\ntarget = "stack"\ncase = "no.such.case"\nreason = "gone"\n')
PY
IPCONFORM_STACKD="$fake" "$ipconform" run "$cases" "${ttl[@]}" --targets kernel,stack --out "$tmp/out7c" \
  --update-baseline "$bl" >"$tmp/run7c.out" 2>&1
rc=$?
[[ $rc -eq 0 ]] || fail "second --update-baseline exited $rc"
grep -q "(0 new, 1 dropped)" "$tmp/run7c.out" || fail "the stale entry was not dropped: $(grep baseline "$tmp/run7c.out")"
grep -A1 -F "$first_case" "$bl" | grep -q 'reason = "written by hand"' || fail "the hand-written reason was lost"
! grep -q no.such.case "$bl" || fail "no.such.case is still listed"
cp "$bl" "$tmp/stack.before"
IPCONFORM_STACKD="$fake" "$ipconform" run "$cases" "${ttl[@]}" --targets kernel,stack --out "$tmp/out7d" \
  --update-baseline "$bl" >/dev/null 2>&1
cmp -s "$bl" "$tmp/stack.before" || fail "a second update changed $bl: $(diff "$tmp/stack.before" "$bl" | head)"
echo "ok: --update-baseline listed $bad, kept a hand-written reason, dropped a stale entry, is stable"
echo "7 passed, 0 failed"

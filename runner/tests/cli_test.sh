#!/usr/bin/env bash
# End-to-end checks of the ipconform command (needs root):
#  1. a broken case file gives file:line diagnostics, and the other cases
#     still list and run;
#  2. a run interrupted with SIGINT exits 130, keeps its results, and leaves
#     no namespace or process of its own behind.
set -uo pipefail
ipconform=$1
cases=$2
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
echo "3 passed, 0 failed"

#!/usr/bin/env bash
# usage: scripts/mutate.sh [NAME...]
#
# Mutation probes: apply each small mutation of scripts/mutations.txt (or
# only those named) to a copy of this tree, one at a time, build it in a
# build directory of its own, run the mutation's first tests and then the
# unprivileged suites, and report every mutation no test killed (a
# survivor). Exit 1 when any survived, 2 when the list or the unmutated tree
# is broken. Niced: the machine may be shared.
#
#   MUTATE_DIR     work directory (default build-mutate/: src/ and build/)
#   MUTATE_SUITES  meson suites run after the first tests (default "unit": the
#                  unprivileged suites that need no server; add "cli" for more)
#   MUTATIONS      the list (default scripts/mutations.txt)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list=${MUTATIONS:-$root/scripts/mutations.txt}
work=${MUTATE_DIR:-$root/build-mutate}
suites=${MUTATE_SUITES:-unit}
src=$work/src
bld=$work/build
log=$work/log
mkdir -p "$src" "$log"
renice -n 10 $$ >/dev/null 2>&1 || true

# 1. the tree as it is now (tracked and new files): a file whose content
# differs from the copy's is copied with a new timestamp (rebuilt), the
# others are left alone (not rebuilt); test data outside the tree linked
(cd "$root" && git ls-files -co --exclude-standard -z) | python3 -c '
import os, shutil, sys
root, src = sys.argv[1:]
for f in sys.stdin.buffer.read().split(b"\0"):
    if not f:
        continue
    a, b = os.path.join(root.encode(), f), os.path.join(src.encode(), f)
    if not os.path.isfile(a):
        continue
    try:
        same = open(a, "rb").read() == open(b, "rb").read()
    except OSError:
        same = False
    if not same:
        os.makedirs(os.path.dirname(b), exist_ok=True)
        shutil.copy(a, b)
' "$root" "$src" || exit 2

suite_args=()
for s in $suites; do suite_args+=(--suite "$s"); done

build() {
  if [ ! -f "$bld/build.ninja" ]; then
    meson setup "$bld" "$src" -Dbench=false >"$log/setup.txt" 2>&1 || return 1
  fi
  ninja -C "$bld" >"$log/build.txt" 2>&1
}

# 2. the unmutated tree builds and passes, or no verdict below means anything
echo "mutate: building and testing the unmutated tree in $work"
build || { echo "mutate: the unmutated tree does not build ($log/build.txt)" >&2; exit 2; }
if ! meson test -C "$bld" --no-rebuild "${suite_args[@]}" >"$log/unmutated.txt" 2>&1; then
  echo "mutate: the unmutated tree fails its suites ($log/unmutated.txt)" >&2
  exit 2
fi

# 3. the list: NAME<TAB>FILE<TAB>FIRST<TAB>FROM<TAB>TO per line
parsed=$(python3 - "$list" <<'PY'
import sys
cur = {}
def out():
    if cur:
        for k in ("file", "first", "from", "to"):
            if k not in cur:
                sys.exit(f"mutations: {cur.get('name')}: no '{k}' line")
        print("\x1f".join(cur[k] for k in ("name", "file", "first", "from", "to")))
for line in open(sys.argv[1]).read().split("\n"):
    if line.startswith("== "):
        out(); cur = {"name": line[3:].strip()}
    elif line.startswith(("file ", "first ", "from ", "to ")):
        k, v = line.split(" ", 1)
        cur[k] = v if k in ("from", "to") else v.strip()
out()
PY
) || exit 2

apply() { # FILE FROM TO: replace the one whole line FROM by TO
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:]
lines = open(path).read().split("\n")
hits = [i for i, l in enumerate(lines) if l == old]
if len(hits) != 1:
    sys.exit(f"{len(hits)} lines match")
lines[hits[0]] = new
open(path, "w").write("\n".join(lines))
PY
}

# build only what the first tests run (their executables and what they depend on)
first_targets() {
  local t
  t=$(cd "$bld" && python3 - "$1" <<'PY'
import json, os, subprocess, sys
want = set(sys.argv[1].split())
tests = json.loads(subprocess.run(["meson", "introspect", "--tests"], capture_output=True,
                                  text=True, check=True).stdout)
out = set()
for t in tests:
    if t["name"] in want:
        p = t["cmd"][0]
        if p.startswith(os.getcwd() + "/"):
            out.add(os.path.relpath(p))
print(" ".join(sorted(out)))
PY
) || return 1
  [ -z "$t" ] || ninja -C "$bld" $t tools/rtsensor/rtsensor
}

survivors=()
broken=()
n=0
while IFS=$'\x1f' read -r -u 3 name file first from to; do
  [ -z "$name" ] && continue
  if [ $# -gt 0 ]; then
    want=0
    for w in "$@"; do [ "$w" = "$name" ] && want=1; done
    [ $want -eq 1 ] || continue
  fi
  n=$((n + 1))
  # the copy's own original (the tree itself may change while this runs)
  cp -p "$src/$file" "$work/orig"
  if ! err=$(apply "$src/$file" "$from" "$to" 2>&1); then
    echo "mutate: $name: $file: $err (the list is stale)" >&2
    broken+=("$name")
    cp "$work/orig" "$src/$file"
    continue
  fi
  verdict=survived
  if ! first_targets "$first" >"$log/$name.txt" 2>&1; then
    echo "mutate: $name: does not build ($log/$name.txt)" >&2
    broken+=("$name")
    verdict=
  elif ! meson test -C "$bld" --no-rebuild $first >>"$log/$name.txt" 2>&1; then
    verdict="killed by $first"
  elif ! build || ! meson test -C "$bld" --no-rebuild "${suite_args[@]}" >"$log/$name.txt" 2>&1; then
    verdict="killed by: $(sed -n 's/^ *[0-9]*\/[0-9]* *[^ ]* \/ \([^ ]*\) .*\(FAIL\|TIMEOUT\|ERROR\).*/\1/p' "$log/$name.txt" | sort -u | tr '\n' ' ')"
  fi
  # restore with a new timestamp: the next build recompiles the original
  cp "$work/orig" "$src/$file"
  touch "$src/$file"
  [ -n "$verdict" ] && echo "mutate: $name: $verdict"
  [ "$verdict" = survived ] && survivors+=("$name")
done 3<<<"$parsed"
build >/dev/null 2>&1

echo "mutate: $n mutations, ${#survivors[@]} survived, ${#broken[@]} broken"
for s in "${survivors[@]}"; do echo "mutate: SURVIVOR $s (log: $log/$s.txt)"; done
[ ${#broken[@]} -eq 0 ] || exit 2
[ ${#survivors[@]} -eq 0 ] || exit 1
exit 0

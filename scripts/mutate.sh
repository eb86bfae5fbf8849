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
#   MUTATE_SUITES  meson suites run after the first tests (default "unit cli")
#   MUTATIONS      the list (default scripts/mutations.txt)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list=${MUTATIONS:-$root/scripts/mutations.txt}
work=${MUTATE_DIR:-$root/build-mutate}
suites=${MUTATE_SUITES:-unit cli}
src=$work/src
bld=$work/build
log=$work/log
mkdir -p "$src" "$log"
renice -n 10 $$ >/dev/null 2>&1 || true

# 1. the tree as it is now (tracked and new files), timestamps kept so an
# unchanged file is not rebuilt; test data outside the tree linked beside it
(cd "$root" && git ls-files -co --exclude-standard -z |
  xargs -0 cp --parents --preserve=timestamps -t "$src") || exit 2
[ -d "$root/../shared" ] && ln -sfn "$(cd "$root/../shared" && pwd)" "$work/shared"

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

survivors=()
broken=()
n=0
while IFS=$'\x1f' read -r name file first from to; do
  [ -z "$name" ] && continue
  if [ $# -gt 0 ]; then
    want=0
    for w in "$@"; do [ "$w" = "$name" ] && want=1; done
    [ $want -eq 1 ] || continue
  fi
  n=$((n + 1))
  cp "$root/$file" "$src/$file"
  if ! err=$(apply "$src/$file" "$from" "$to" 2>&1); then
    echo "mutate: $name: $file: $err (the list is stale)" >&2
    broken+=("$name")
    continue
  fi
  verdict=survived
  if ! build; then
    echo "mutate: $name: does not build ($log/$name.txt)" >&2
    cp "$log/build.txt" "$log/$name.txt"
    broken+=("$name")
    verdict=
  elif ! meson test -C "$bld" --no-rebuild $first >"$log/$name.txt" 2>&1; then
    verdict="killed by $first"
  elif ! meson test -C "$bld" --no-rebuild "${suite_args[@]}" >"$log/$name.txt" 2>&1; then
    verdict="killed by: $(sed -n 's/^ *[0-9]*\/[0-9]* \([^ ]*\) *\(FAIL\|TIMEOUT\|ERROR\).*/\1/p' "$log/$name.txt" | tr '\n' ' ')"
  fi
  # restore with a new timestamp: the next build recompiles the original
  cp "$root/$file" "$src/$file"
  touch "$src/$file"
  [ -n "$verdict" ] && echo "mutate: $name: $verdict"
  [ "$verdict" = survived ] && survivors+=("$name")
done <<<"$parsed"
build >/dev/null 2>&1

echo "mutate: $n mutations, ${#survivors[@]} survived, ${#broken[@]} broken"
for s in "${survivors[@]}"; do echo "mutate: SURVIVOR $s (log: $log/$s.txt)"; done
[ ${#broken[@]} -eq 0 ] || exit 2
[ ${#survivors[@]} -eq 0 ] || exit 1
exit 0

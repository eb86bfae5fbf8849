#!/bin/sh
# usage: check-coverage.sh SOURCE_ROOT
# Every exported symbol (libsensor/libsensor.sym) is named by a test or by an
# example the suite runs, and every rtsensor verb, baseline sub-verb, long
# option (getopt tables) and short option (getopt strings) is named by a
# test. A name is the reviewer's pointer to where its effect is checked; a
# new symbol or flag without one fails here with its name and the file that
# declares it.
set -eu
root=$1
self=tests/coverage/check-coverage.sh
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# what the tests say: every test source, script and example, this file excepted
find tests examples -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.build' \) \
  ! -path "$self" -print | sort | xargs cat > "$tmp/tests"
# what the CLI tests say: every test that runs rtsensor
grep -rlE 'RTSENSOR|rtsensor' tests | grep -v "^$self\$" | sort | xargs cat > "$tmp/cli"
fail=0
missing() {
  echo "coverage: $1" >&2
  fail=1
}

# 1. symbols
nsym=0
for s in $(sed -n 's/^[[:space:]]*\(sensor_[a-z0-9_]*\);$/\1/p' libsensor/libsensor.sym); do
  nsym=$((nsym + 1))
  grep -qw -- "$s" "$tmp/tests" || missing "symbol $s (libsensor/libsensor.sym) is named by no test or example"
done

# 2. long options: { "name", no_argument|required_argument|optional_argument, ...
nlong=0
for f in tools/rtsensor/*.c tools/rtsensor/*.h; do
  for o in $(sed -n 's/.*{ *"\([a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$f"); do
    nlong=$((nlong + 1))
    grep -qE -- "(^|[^a-z0-9-])--$o([^a-z0-9-]|\$)" "$tmp/cli" ||
      missing "option --$o ($f) is named by no test"
  done
done

# 3. short options: the letters of every getopt_long(argc, argv, "...") string
nshort=0
for f in tools/rtsensor/*.c; do
  for s in $(sed -n 's/.*getopt_long([^"]*"+\{0,1\}\([^"]*\)".*/\1/p' "$f" | tr -d ':' | fold -w1); do
    nshort=$((nshort + 1))
    grep -qE -- "[\" ]-$s([\" ]|\$)" "$tmp/cli" || missing "option -$s ($f) is named by no test"
  done
done

# 4. verbs, the top-level flags main() reads, and baseline's sub-verbs
nverb=0
for v in $(sed -n 's/^[[:space:]]*{ *"\([a-z-]*\)", *cmd_[a-z_]*,.*/\1/p' tools/rtsensor/main.c) \
         $(grep -o 'strcmp(argv\[1\], "[^"]*")' tools/rtsensor/main.c | sed 's/.*"\(.*\)")/\1/') \
         $(grep -o 'strcmp(verb, "[^"]*")' tools/rtsensor/cmd-baseline.c | sed 's/.*"\(.*\)")/\1/' | sort -u); do
  nverb=$((nverb + 1))
  grep -qE -- "(\"|RTSENSOR\\\\?\"? |baseline )$v([ \"]|\$)" "$tmp/cli" ||
    missing "verb or flag '$v' (tools/rtsensor) is named by no test"
done

if [ $fail -ne 0 ]; then
  echo "coverage: add a test that checks the effect of each name above (docs/testing.md)" >&2
  exit 1
fi
echo "coverage: $nsym symbols, $nlong long options, $nshort short options, $nverb verbs: every one named by a test"

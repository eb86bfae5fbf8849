#!/usr/bin/env python3
"""Include order of libsensor's layers (docs/architecture.md section 2).

Every #include "..." in libsensor/<layer>/ may name a header of its own layer
or of a lower one, or a public header (include/libsensor/, the API every layer
implements). Inside sources/, one source's folder does not include another's:
what two sources share lives in sources/netfilter/ (the netfilter sources) or
at the top of sources/.

Usage: check-layers.py SOURCE_ROOT         check the tree; exit 1 on a violation
       check-layers.py --self-test SOURCE_ROOT
           copy libsensor/ aside, plant an upward include and a cross-source
           include, and require the check to name exactly those two (so the
           check itself can fail)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Lowest first. A file may include its own layer and the layers before it.
LAYERS = ["util", "identity", "core", "sources", "detect", "model", "store", "baseline"]

# Folders of sources/ that any source may include (shared pieces).
SOURCES_SHARED = {"netfilter"}

# Known back-arrows, each with why it is still there. An entry that no longer
# matches an include fails the check, so the list only shrinks.
# (including file, included file) -> reason; paths relative to libsensor/.
EXCEPTIONS = {
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    """Layer of a path relative to libsensor/ (None: not in a layer folder)."""
    top = rel.split("/", 1)[0]
    return top if "/" in rel else None


def source_folder(rel):
    """The source folder (sources/<name>/...) of a path, or None."""
    parts = rel.split("/")
    if parts[0] == "sources" and len(parts) > 2:
        return parts[1]
    return None


def resolve(root, lib, rel_file, name):
    """Resolve a quoted include as the compiler does: the file's own folder,
    then -Iinclude, then -Ilibsensor. Returns ('lib', rel) / ('public', path) /
    (None, name) when not found (a generated header, or a system one)."""
    here = os.path.dirname(os.path.join(lib, rel_file))
    cand = os.path.normpath(os.path.join(here, name))
    if os.path.isfile(cand):
        return "lib", os.path.relpath(cand, lib)
    if os.path.isfile(os.path.join(root, "include", name)):
        return "public", name
    if os.path.isfile(os.path.join(lib, name)):
        return "lib", os.path.normpath(name)
    return None, name


def check(root):
    lib = os.path.join(root, "libsensor")
    errors = []
    used = set()
    for top in sorted(os.listdir(lib)):
        if os.path.isdir(os.path.join(lib, top)) and top not in LAYERS:
            errors.append(f"libsensor/{top}/: a folder in no layer (add it to LAYERS "
                          f"in tests/layers/check-layers.py and to docs/architecture.md section 2)")
    for dirpath, _, files in os.walk(lib):
        for fn in sorted(files):
            if not fn.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, fn), lib)
            src_layer = layer_of(rel)
            if src_layer not in LAYERS:
                continue
            with open(os.path.join(lib, rel), encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, target = resolve(root, lib, rel, m.group(1))
                    if kind != "lib":
                        continue
                    dst_layer = layer_of(target)
                    why = None
                    if dst_layer not in LAYERS:
                        why = f"{target} is in no layer"
                    elif LAYERS.index(dst_layer) > LAYERS.index(src_layer):
                        why = f"{src_layer} may not include {dst_layer} (a higher layer)"
                    elif src_layer == dst_layer == "sources":
                        a, b = source_folder(rel), source_folder(target)
                        if a and b and a != b and b not in SOURCES_SHARED:
                            why = (f"source {a} may not include source {b}'s header "
                                   f"(shared pieces go to sources/netfilter/ or sources/)")
                    if why is None:
                        continue
                    if (rel, target) in EXCEPTIONS:
                        used.add((rel, target))
                        continue
                    errors.append(f"libsensor/{rel}:{lineno}: #include \"{m.group(1)}\": {why}")
    for (rel, target), reason in sorted(EXCEPTIONS.items()):
        if (rel, target) not in used:
            errors.append(f"exception no longer needed: libsensor/{rel} -> {target} ({reason}); "
                          f"remove it from EXCEPTIONS")
    return errors


def self_test(root):
    with tempfile.TemporaryDirectory(prefix="check-layers.") as tmp:
        shutil.copytree(os.path.join(root, "libsensor"), os.path.join(tmp, "libsensor"))
        shutil.copytree(os.path.join(root, "include"), os.path.join(tmp, "include"))
        with open(os.path.join(tmp, "libsensor/util/parse.c"), "a") as f:
            f.write('#include "core/context.h"\n')
        with open(os.path.join(tmp, "libsensor/sources/nfqueue/nfq-packet.c"), "a") as f:
            f.write('#include "sources/fanotify/fanotify-internal.h"\n')
        with open(os.path.join(tmp, "libsensor/util/parse.c")) as f:
            n1 = sum(1 for _ in f)
        with open(os.path.join(tmp, "libsensor/sources/nfqueue/nfq-packet.c")) as f:
            n2 = sum(1 for _ in f)
        p = subprocess.run([sys.executable, os.path.abspath(__file__), tmp],
                           capture_output=True, text=True)
        want = (
            f"libsensor/sources/nfqueue/nfq-packet.c:{n2}: #include "
            f"\"sources/fanotify/fanotify-internal.h\": source nfqueue may not include "
            f"source fanotify's header (shared pieces go to sources/netfilter/ or sources/)\n"
            f"libsensor/util/parse.c:{n1}: #include \"core/context.h\": "
            f"util may not include core (a higher layer)\n"
            f"check-layers: 2 include(s) against the layer order\n")
        if p.returncode != 1 or p.stderr != want:
            print(f"self-test: the planted includes were not caught as expected\n"
                  f"exit {p.returncode}, stderr:\n{p.stderr}--- wanted exit 1, stderr:\n{want}",
                  file=sys.stderr)
            return 1
    print("self-test: the planted upward and cross-source includes fail the check")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(argv[2])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    errors = check(argv[1])
    for e in sorted(errors):
        print(e, file=sys.stderr)
    if errors:
        print(f"check-layers: {len(errors)} include(s) against the layer order", file=sys.stderr)
        return 1
    print(f"check-layers: libsensor/ includes follow {' < '.join(LAYERS)}"
          f" ({len(EXCEPTIONS)} listed exception(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

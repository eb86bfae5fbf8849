#!/usr/bin/env python3
# Section-3 manual pages of the public API, from the public headers' own
# comments (so they cannot drift from them): one page per header
# (sensor-context.3, ...), a libsensor.3 overview, and for every exported
# function a page NAME.3 that sources its header's page.
# usage: gen-man3.py INCLUDE_DIR OUT_DIR VERSION
import os
import re
import sys

inc, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)


def esc(line):
    line = line.replace('\\', '\\e')
    if line.startswith(('.', "'")):
        line = '\\&' + line
    # troff input is ASCII: other characters by their Unicode name
    return ''.join(c if ord(c) < 128 else '\\[u%04X]' % ord(c) for c in line)


def comment_text(c):
    lines = []
    for l in c.splitlines():
        l = l.strip()
        l = re.sub(r'^/\*+\s?', '', l)
        l = re.sub(r'\s*\*+/$', '', l)
        l = re.sub(r'^\*\s?', '', l)
        lines.append(l)
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


pages = []
for name in sorted(os.listdir(inc)):
    if not name.endswith('.h') or name == 'sensor.h':
        continue
    text = open(os.path.join(inc, name)).read()
    page = name[:-2]
    head = re.search(r'/\*(?!.*SPDX).*?\*/', text, re.S)
    # the first comment after the SPDX line describes the header
    comments = list(re.finditer(r'/\*.*?\*/', text, re.S))
    intro = []
    for c in comments:
        if 'SPDX' in c.group(0):
            continue
        intro = comment_text(c.group(0))
        break
    funcs = []
    for m in re.finditer(r'SENSOR_EXPORT\s+([^;]*?\b(sensor_[a-z0-9_]+)\s*\([^;]*?\));', text, re.S):
        decl = ' '.join(m.group(1).split())
        before = text[:m.start()].rstrip()
        doc = []
        if before.endswith('*/'):
            start = before.rfind('/*')
            doc = comment_text(before[start:])
        funcs.append((m.group(2), decl, doc))
    if not funcs:
        continue
    pages.append((page, intro[0] if intro else page, [f[0] for f in funcs]))
    w = ['.TH %s 3 "" "libsensor %s" "libsensor Manual"' % (page.upper(), version), '.SH NAME']
    w.append(', '.join(f[0] for f in funcs) + ' \\- ' + esc(page))
    w += ['.SH SYNOPSIS', '.nf', '.B #include <libsensor/sensor.h>', '.PP']
    for f in funcs:
        w.append('.BI "' + f[1].replace('"', '\\(dq') + ';"')
    w += ['.fi', '.PP', 'Link with', '.BR "pkg\\-config \\-\\-libs libsensor" .', '.SH DESCRIPTION', '.nf']
    w += [esc(l) for l in intro]
    w.append('.fi')
    for f in funcs:
        w += ['.SS ' + f[0] + '()', '.nf'] + [esc(l) for l in (f[2] or ['(no comment in the header)'])] + ['.fi']
    w += ['.SH RETURN VALUE', 'Unless said otherwise above: 0 or a count on success, a negative errno',
          'value on failure (libsensor never sets errno).', '.SH SEE ALSO', '.BR libsensor (3),',
          '.BR rtsensor (1)']
    with open(os.path.join(out, page + '.3'), 'w') as f:
        f.write('\n'.join(w) + '\n')
    for fn in funcs:
        with open(os.path.join(out, fn[0] + '.3'), 'w') as f:
            f.write('.so man3/%s.3\n' % page)

w = ['.TH LIBSENSOR 3 "" "libsensor %s" "libsensor Manual"' % version, '.SH NAME',
     'libsensor \\- runtime protection sensor library', '.SH SYNOPSIS', '.nf',
     '.B #include <libsensor/sensor.h>', '.fi', '.PP',
     '.B cc app.c $(pkg\\-config \\-\\-cflags \\-\\-libs libsensor)', '.SH DESCRIPTION',
     'libsensor watches processes, files, network flows and system calls through',
     'stable kernel interfaces (process connector, fanotify, audit, conntrack,',
     'seccomp user notification, NFQUEUE) and hands every event, with its process',
     'and workload, to the embedding program. Every fallible call returns 0 or a',
     'count, or a negative errno value. The pages of the API, by header:', '.TP']
for p, summary, fns in pages:
    w += ['.TP', '.BR %s (3)' % p, esc(summary) + ' (' + str(len(fns)) + ' functions)']
w += ['.SH SEE ALSO', '.BR rtsensor (1)']
with open(os.path.join(out, 'libsensor.3'), 'w') as f:
    f.write('\n'.join(w) + '\n')
print('%d pages, %d functions' % (len(pages) + 1, sum(len(p[2]) for p in pages)))

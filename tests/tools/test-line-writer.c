/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The alerts file's writer thread (tools/rtsensor/line-writer.c): a writer
 * held up by its file (a pipe nobody reads: a filesystem stall) never
 * holds up line_writer_put(); a full queue refuses the newest line and
 * counts it; drain, reopen and close return once every line queued before
 * them is out, in order; a write error is sticky and reported.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line-writer.h"

/* A pipe whose write end is a FILE the writer takes; the read end stays ours. */
static FILE *pipe_file(int *rfd)
{
	int p[2];
	FILE *f;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	f = fdopen(p[1], "w");
	cr_assert_not_null(f);
	*rfd = p[0];
	return f;
}

/* Read exactly len bytes from fd (blocking). */
static void read_exact(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		cr_assert_gt(n, 0, "read: %zd (%s)", n, strerror(errno));
		got += (size_t)n;
	}
	buf[len] = '\0';
}

Test(line_writer, lines_come_out_in_order_each_flushed)
{
	struct line_writer *w;
	struct line_writer_stats st;
	char buf[64];
	int rfd;

	cr_assert_eq(line_writer_open(&w, pipe_file(&rfd), 4), 0);
	cr_assert_eq(line_writer_put(w, "one", 3), 0);
	/* readable without a drain, a close or a full buffer: the thread flushed it */
	read_exact(rfd, buf, 4);
	cr_assert_str_eq(buf, "one\n");
	cr_assert_eq(line_writer_put(w, "two", 3), 0);
	cr_assert_eq(line_writer_put(w, "three", 5), 0);
	cr_assert_eq(line_writer_drain(w), 0);
	read_exact(rfd, buf, 10);
	cr_assert_str_eq(buf, "two\nthree\n");
	cr_assert_eq(line_writer_close(w, &st), 0);
	cr_assert_eq(st.queued, 3);
	cr_assert_eq(st.written, 3);
	cr_assert_eq(st.dropped, 0);
	cr_assert_eq(st.failed, 0);
	cr_assert_eq(read(rfd, buf, sizeof(buf)), 0); /* closed */
	close(rfd);
}

Test(line_writer, a_stalled_file_never_blocks_put_and_a_full_queue_is_counted)
{
	struct line_writer *w;
	struct line_writer_stats st;
	static char big[70000], buf[70000 * 2 + 16];
	int rfd, r, n = 0;
	size_t want;

	memset(big, 'x', sizeof(big));
	/* more than a pipe holds (64 KiB): the thread's write blocks until we read */
	cr_assert_eq(line_writer_open(&w, pipe_file(&rfd), 2), 0);
	cr_assert_eq(line_writer_put(w, big, sizeof(big)), 0);
	cr_assert_eq(line_writer_put(w, "a", 1), 0);
	/* the queue (2) holds the stalled line and "a": the next is refused, at once */
	while ((r = line_writer_put(w, "b", 1)) == 0)
		n++; /* the thread may have finished a batch before it stalled: at most once more */
	cr_assert_eq(r, -ENOBUFS);
	cr_assert_leq(n, 1);
	line_writer_get_stats(w, &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.depth, 2);
	/* the reader comes back: what was queued comes out, the refused line does not */
	want = sizeof(big) + 1 + 2 + (size_t)n * 2;
	read_exact(rfd, buf, want);
	cr_assert_eq(buf[sizeof(big)], '\n');
	cr_assert_eq(memcmp(buf + sizeof(big) + 1, "a\n", 2), 0);
	cr_assert_eq(line_writer_drain(w), 0);
	cr_assert_eq(line_writer_close(w, &st), 0);
	cr_assert_eq(st.written, 2 + (uint64_t)n);
	cr_assert_eq(st.dropped, 1);
	close(rfd);
}

Test(line_writer, reopen_drains_to_the_old_file_first)
{
	struct line_writer *w;
	char buf[32];
	int r1, r2;

	cr_assert_eq(line_writer_open(&w, pipe_file(&r1), 0), 0);
	cr_assert_eq(line_writer_put(w, "old", 3), 0);
	cr_assert_eq(line_writer_reopen(w, pipe_file(&r2)), 0);
	cr_assert_eq(line_writer_put(w, "new", 3), 0);
	read_exact(r1, buf, 4);
	cr_assert_str_eq(buf, "old\n");
	cr_assert_eq(read(r1, buf, sizeof(buf)), 0); /* the old file was closed */
	cr_assert_eq(line_writer_close(w, NULL), 0);
	read_exact(r2, buf, 4);
	cr_assert_str_eq(buf, "new\n");
	close(r1);
	close(r2);
}

Test(line_writer, a_write_error_is_sticky_and_reported)
{
	struct line_writer *w;
	struct line_writer_stats st;
	int rfd;

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(line_writer_open(&w, pipe_file(&rfd), 0), 0);
	close(rfd); /* the reader went away: EPIPE */
	cr_assert_eq(line_writer_put(w, "lost", 4), 0);
	cr_assert_eq(line_writer_drain(w), -EPIPE);
	cr_assert_eq(line_writer_error(w), -EPIPE);
	cr_assert_eq(line_writer_put(w, "refused", 7), -EPIPE);
	cr_assert_eq(line_writer_close(w, &st), -EPIPE);
	cr_assert_eq(st.written, 0);
	cr_assert_eq(st.failed, 1);
	cr_assert_eq(st.err, -EPIPE);
}

Test(line_writer, bad_arguments)
{
	struct line_writer *w = NULL;

	cr_assert_eq(line_writer_open(&w, NULL, 0), -EINVAL);
	cr_assert_null(w);
	cr_assert_eq(line_writer_close(NULL, NULL), 0);
	cr_assert_eq(line_writer_error(NULL), 0);
}

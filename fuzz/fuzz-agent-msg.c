/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the seccomp agent's side of a connection, the way a peer reaches it:
 * the input's bytes go over a real unix connection to the agent of a real
 * context, in pieces, with an fd attached to the first piece when the
 * first input byte asks for one (a pipe: never a seccomp listener). The
 * agent must never crash, never adopt a wrong fd, and always hang up.
 * Byte 0: bit 0 attach a pipe, bits 1-3 the number of pieces - 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libsensor/sensor.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sensor_ctx *ctx;
static sensor_source *src;
static struct sockaddr_un sa = { .sun_family = AF_UNIX };
static int attached;

static void on_event(sensor_ctx *c, sensor_event *ev, void *ud)
{
	const char *st;

	(void)c;
	(void)ud;
	st = sensor_event_get_str(ev, SENSOR_FIELD_STATUS_STATE);
	if (st && strcmp(st, "container_attached") == 0)
		attached++;
}

static void init(void)
{
	char dir[] = "/tmp/fuzz-agent-XXXXXX";

	if (!mkdtemp(dir))
		abort();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	if (sensor_ctx_new(NULL, &ctx) < 0)
		abort();
	sensor_ctx_set_event_cb(ctx, on_event, NULL);
	/* without user notification in this kernel there is nothing to fuzz */
	if (sensor_source_add(ctx, SENSOR_SOURCE_SECCOMP, NULL, &src) < 0 ||
	    sensor_seccomp_add_agent(src, sa.sun_path, 0) < 0) {
		sensor_ctx_free(ctx);
		ctx = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned pieces, mode;
	size_t off = 1, step;
	int s, p[2] = { -1, -1 };
	char c;

	if (!ctx && !src)
		init();
	if (!ctx || size < 1)
		return 0;
	mode = data[0];
	pieces = ((mode >> 1) & 7) + 1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (s >= 0)
			close(s);
		return 0;
	}
	if ((mode & 1) && pipe(p) < 0)
		p[0] = p[1] = -1;
	step = (size - 1 + pieces - 1) / pieces;
	for (unsigned i = 0; i < pieces; i++) {
		size_t n = off < size ? (size - off < step ? size - off : step) : 0;
		struct iovec iov = { (void *)(data + off), n ? n : 0 };
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (i == 0 && p[0] >= 0) {
			struct cmsghdr *h;

			m.msg_control = u.b;
			m.msg_controllen = sizeof(u.b);
			h = CMSG_FIRSTHDR(&m);
			h->cmsg_level = SOL_SOCKET;
			h->cmsg_type = SCM_RIGHTS;
			h->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(h), &p[0], sizeof(int));
		}
		if (n || i == 0)
			sendmsg(s, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		off += n;
		sensor_ctx_process(ctx, 0);
	}
	shutdown(s, SHUT_WR); /* EOF: the agent decides now */
	for (int i = 0; i < 4; i++)
		sensor_ctx_process(ctx, 0);
	/* the agent hung up (read 0) or still waits for more (EAGAIN): never a pipe adopted */
	if (attached)
		abort();
	(void)read(s, &c, 1);
	close(s);
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	return 0;
}

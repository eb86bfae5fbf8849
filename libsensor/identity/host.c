/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host name and boot ID of the machine: see host.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "host.h"

int host_parse_boot_id(const char *buf, size_t len, char *out, size_t cap)
{
	if (!buf || !out || cap < 37)
		return -EINVAL;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	if (len != 36)
		return -EINVAL;
	for (size_t i = 0; i < 36; i++) {
		char c = buf[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
	}
	memcpy(out, buf, 36);
	out[36] = '\0';
	return 0;
}

void host_identity_read(const char *proc_root, struct host_identity *h)
{
	struct utsname u;
	char path[256], buf[64];
	ssize_t n;
	int fd;

	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0)
		snprintf(h->name, sizeof(h->name), "%s", u.nodename);
	snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", proc_root ? proc_root : "/proc");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0 && host_parse_boot_id(buf, (size_t)n, h->boot_id, sizeof(h->boot_id)) < 0)
		h->boot_id[0] = '\0';
}

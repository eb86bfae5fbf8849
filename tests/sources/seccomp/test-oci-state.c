/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seccomp agent's state parser on a message recorded from runc 1.1.5, and on bad input. */
#include <errno.h>
#include <stdio.h>

#include "sources/seccomp/oci-state.h"
#include "testlib.h"

static char *seed(const char *name, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/fuzz/seeds/oci-state/%s", getenv("SENSOR_SOURCE_ROOT"), name);
	return read_file(path, len);
}

Test(oci_state, runc_message)
{
	size_t len;
	char *buf = seed("runc-1.1.5-state.json", &len);
	struct oci_state st;

	cr_assert_not_null(buf);
	cr_assert_eq(oci_state_parse(buf, len, &st), 0);
	cr_assert_str_eq(st.id, "t4");
	cr_assert_eq(st.seccomp_fd_index, 0);
	cr_assert_eq(st.nfds, 1);
	cr_assert_eq(st.pid, 7957);
	cr_assert_eq(st.state_pid, 7957);
	cr_assert_str_eq(st.status, "creating");
	cr_assert_str_eq(st.bundle, "/tmp/rt1/bundle");
	cr_assert_str_eq(st.metadata, "meta1");
	cr_assert_str_eq(st.oci_version, "1.0.2-dev");
	cr_assert_str_eq(st.klass, "busybox:test");
	cr_assert_str_eq(st.pod, "1234-5678");
	cr_assert_str_eq(st.annotations, "{\"io.kubernetes.pod.uid\":\"1234-5678\","
					 "\"org.opencontainers.image.ref.name\":\"busybox:test\"}");
	oci_state_clear(&st);
	free(buf);
}

Test(oci_state, second_fd_and_cri_annotations)
{
	size_t len;
	char *buf = seed("cri-two-fds.json", &len);
	struct oci_state st;

	cr_assert_eq(oci_state_parse(buf, len, &st), 0);
	cr_assert_eq(st.seccomp_fd_index, 1);
	cr_assert_eq(st.nfds, 2);
	cr_assert_str_eq(st.klass, "nginx:1.25");
	cr_assert_str_eq(st.pod, "e3b0c442-98fc-1c14-9afb-f4c8996fb924");
	oci_state_clear(&st);
	free(buf);
}

Test(oci_state, no_annotations)
{
	size_t len;
	char *buf = seed("no-annotations.json", &len);
	struct oci_state st;

	cr_assert_eq(oci_state_parse(buf, len, &st), 0);
	cr_assert_eq(strlen(st.id), 64);
	cr_assert_str_eq(st.annotations, "{}");
	cr_assert_null(st.klass);
	oci_state_clear(&st);
	free(buf);
}

static int parse(const char *s)
{
	struct oci_state st;
	int r = oci_state_parse(s, strlen(s), &st);

	if (r == 0)
		oci_state_clear(&st);
	else
		cr_assert(st.id == NULL && st.annotations == NULL && st.seccomp_fd_index == -1);
	return r;
}

Test(oci_state, rejects)
{
	cr_assert_eq(parse(""), -EAGAIN);                                /* nothing yet */
	cr_assert_eq(parse("[]"), -EINVAL);
	cr_assert_eq(parse("{}"), -EINVAL);                              /* no state */
	cr_assert_eq(parse("{\"state\":{}}"), -EINVAL);                  /* no id */
	cr_assert_eq(parse("{\"state\":{\"id\":\"\"}}"), -EINVAL);       /* empty id */
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\\nb\"}}"), -EINVAL);  /* control char */
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\\u0000b\"}}"), -EINVAL); /* NUL */
	cr_assert_eq(parse("{\"state\":{\"id\":7}}"), -EINVAL);
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\",\"id\":\"b\"}}"), -EINVAL); /* duplicate */
	cr_assert_eq(parse("{\"pid\":-1,\"state\":{\"id\":\"a\"}}"), -EINVAL);
	cr_assert_eq(parse("{\"pid\":4294967296,\"state\":{\"id\":\"a\"}}"), -EINVAL);
	cr_assert_eq(parse("{\"fds\":\"x\",\"state\":{\"id\":\"a\"}}"), -EINVAL);
	cr_assert_eq(parse("{\"fds\":[1],\"state\":{\"id\":\"a\"}}"), -EINVAL);
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\",\"annotations\":{\"k\":1}}}"), -EINVAL);
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\",\"annotations\":[]}}"), -EINVAL);
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\"}"), -EAGAIN);       /* truncated: wait */
	cr_assert_eq(parse("{\"state\":{\"id\":\"a}"), -EAGAIN);
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\"}} x"), -EINVAL);    /* trailing junk */
	cr_assert_eq(parse("{\"state\":{\"id\":\"a\"}}"), 0);
	cr_assert_eq(parse("{\"fds\":null,\"pid\":null,\"state\":{\"id\":\"a\",\"annotations\":null}}"), 0);
}

Test(oci_state, bounds)
{
	static char s[OCI_ID_MAX + 64];
	size_t n = OCI_ID_MAX + 1;
	struct oci_state st;

	memcpy(s, "{\"state\":{\"id\":\"", 16);
	memset(s + 16, 'a', n);
	strcpy(s + 16 + n, "\"}}");
	cr_assert_eq(oci_state_parse(s, strlen(s), &st), -E2BIG);
	s[16 + n - 1] = '"';
	strcpy(s + 16 + n, "}}"); /* exactly OCI_ID_MAX */
	cr_assert_eq(oci_state_parse(s, strlen(s), &st), 0);
	oci_state_clear(&st);
	cr_assert_eq(oci_state_parse(s, OCI_STATE_MAX_LEN + 1, &st), -E2BIG);
	cr_assert_eq(oci_state_parse(NULL, 0, &st), -EINVAL);
	cr_assert_eq(oci_state_parse(s, 0, NULL), -EINVAL);
}

Test(oci_state, fds_bound)
{
	char s[1024] = "{\"fds\":[";

	for (int i = 0; i <= OCI_MAX_FDS; i++)
		strcat(s, i ? ",\"x\"" : "\"x\"");
	strcat(s, "],\"state\":{\"id\":\"a\"}}");
	cr_assert_eq(parse(s), -E2BIG);
}

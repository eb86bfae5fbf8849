/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Features from unified events, through the public event getters only. */
#include <stdio.h>
#include <string.h>

#include "features.h"
#include "generalize.h"

static const char *const kind_names[FEAT__MAX] = {
	[FEAT_EXEC] = "exec", [FEAT_EDGE] = "edge", [FEAT_FILE] = "file",
	[FEAT_NET] = "peer", [FEAT_LISTEN] = "listen", [FEAT_SYSCALL] = "syscall",
	[FEAT_IDENTITY] = "identity", [FEAT_BINARY] = "binary",
};

static const char *const key_prefix[FEAT__MAX] = {
	[FEAT_EXEC] = "exec:", [FEAT_EDGE] = "edge:", [FEAT_FILE] = "file:",
	[FEAT_NET] = "net:", [FEAT_LISTEN] = "listen:", [FEAT_SYSCALL] = "syscall:",
	[FEAT_IDENTITY] = "identity:", [FEAT_BINARY] = "binary:",
};

const char *feat_kind_name(enum feat_kind k)
{
	return k > FEAT_NONE && k < FEAT__MAX ? kind_names[k] : "unknown";
}

enum feat_kind feat_kind_of_key(const char *key, size_t len)
{
	for (int k = FEAT_EXEC; k < FEAT__MAX; k++) {
		size_t pl = strlen(key_prefix[k]);

		if (len > pl && memcmp(key, key_prefix[k], pl) == 0)
			return (enum feat_kind)k;
	}
	return FEAT_NONE;
}

/* Builder of one key into the set's next slot. */
struct kb {
	char *buf;
	size_t len;
	bool full;
};

static void kb_add(struct kb *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n >= FEAT_KEY_MAX) {
		b->full = true;
		n = FEAT_KEY_MAX - 1 - b->len;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void kb_gen(struct kb *b, enum gen_what what, const char *s)
{
	int r = generalize(what, s, strlen(s), b->buf + b->len, FEAT_KEY_MAX - b->len);

	if (r > 0)
		b->len += (size_t)r;
	if (b->len >= FEAT_KEY_MAX - 1)
		b->full = true;
}

/*
 * Start a key in the set's next slot. When the set is full the key is
 * built in the spare buffer and dropped by done(), so b is always valid.
 */
static struct kb *slot(struct feat_set *fs, enum feat_kind k, struct kb *b)
{
	bool room = fs->n < FEAT_PER_EVENT;

	b->buf = room ? fs->f[fs->n].key : fs->spare;
	b->len = 0;
	b->full = false;
	b->buf[0] = '\0';
	if (room)
		fs->f[fs->n].kind = (uint8_t)k;
	kb_add(b, key_prefix[k]);
	return room ? b : NULL;
}

static void done(struct feat_set *fs, struct kb *b)
{
	if (b->buf == fs->spare)
		return;
	fs->f[fs->n].len = (uint16_t)b->len;
	fs->n++;
}

static const char *str_or(const sensor_event *ev, enum sensor_field f, const char *dflt)
{
	const char *s = sensor_event_get_str(ev, f);

	return s && *s ? s : dflt;
}

static void port_text(const sensor_event *ev, enum sensor_field f, char out[16])
{
	int64_t v;

	if (sensor_event_get_int(ev, f, &v) < 0)
		snprintf(out, 16, "?");
	else
		snprintf(out, 16, "%lld", (long long)v);
}

static bool is_identity_syscall(const char *name)
{
	static const char *const ids[] = { "setuid", "setreuid", "setresuid", "setfsuid",
					   "setgid", "setregid", "setresgid", "setfsgid" };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (strcmp(name, ids[i]) == 0)
			return true;
	return false;
}

static void net_features(const sensor_event *ev, struct feat_set *fs)
{
	const char *op = str_or(ev, SENSOR_FIELD_NET_OP, "");
	const char *proto = str_or(ev, SENSOR_FIELD_NET_PROTO, "?");
	char port[16];
	struct kb b;

	if (strcmp(op, "bind") == 0 || strcmp(op, "listen") == 0) {
		/* the local port: sport when the source gives it, else dport */
		if (!slot(fs, FEAT_LISTEN, &b))
			return;
		kb_add(&b, proto);
		kb_add(&b, ":");
		port_text(ev, sensor_event_get_int(ev, SENSOR_FIELD_NET_SPORT, &(int64_t){ 0 }) == 0
				      ? SENSOR_FIELD_NET_SPORT
				      : SENSOR_FIELD_NET_DPORT,
			  port);
		kb_gen(&b, GEN_PORT, port);
		done(fs, &b);
		return;
	}
	if (strcmp(op, "flow_update") == 0 || strcmp(op, "flow_end") == 0 || !*op)
		return; /* the flow's first event made the feature */
	if (!slot(fs, FEAT_NET, &b))
		return;
	if (strcmp(op, "accept") == 0) {
		/* inbound: the peer is the source, the port is our local (destination) one */
		kb_add(&b, "in:");
		kb_add(&b, proto);
		kb_add(&b, ":");
		kb_gen(&b, GEN_ADDR, str_or(ev, SENSOR_FIELD_NET_SRC, "?"));
	} else {
		kb_add(&b, "out:");
		kb_add(&b, proto);
		kb_add(&b, ":");
		kb_gen(&b, GEN_ADDR, str_or(ev, SENSOR_FIELD_NET_DST, "?"));
	}
	kb_add(&b, ":");
	port_text(ev, SENSOR_FIELD_NET_DPORT, port);
	kb_gen(&b, GEN_PORT, port);
	done(fs, &b);
}

void features_set_listen(struct feat_set *fs, const char *proto, int64_t port)
{
	char num[16];
	struct kb b;

	fs->n = 0;
	if (!slot(fs, FEAT_LISTEN, &b))
		return;
	kb_add(&b, proto && *proto ? proto : "?");
	kb_add(&b, ":");
	snprintf(num, sizeof(num), "%lld", (long long)port);
	kb_gen(&b, GEN_PORT, port >= 0 ? num : "?");
	done(fs, &b);
}

int features_add_binary(struct feat_set *fs, const char *hex, const char *path)
{
	struct kb b;
	char h[FEAT_BINARY_HEX + 1];

	if (strlen(hex) < FEAT_BINARY_HEX || !path || path[0] != '/')
		return 0;
	memcpy(h, hex, FEAT_BINARY_HEX);
	h[FEAT_BINARY_HEX] = '\0';
	if (!slot(fs, FEAT_BINARY, &b))
		return 0;
	kb_add(&b, h);
	kb_add(&b, ":");
	kb_gen(&b, GEN_PATH, path);
	done(fs, &b);
	return 1;
}

int features_from_event(const sensor_event *ev, struct feat_set *fs)
{
	struct kb b;
	const char *s;

	fs->n = 0;
	switch (sensor_event_kind(ev)) {
	case SENSOR_KIND_EXEC: {
		const char *path = str_or(ev, SENSOR_FIELD_EXEC_PATH,
					  str_or(ev, SENSOR_FIELD_PROCESS_EXE, NULL));
		const char *parent = str_or(ev, SENSOR_FIELD_EXEC_PARENT_EXE, NULL);

		if (!path)
			break;
		slot(fs, FEAT_EXEC, &b);
		kb_gen(&b, GEN_PATH, path);
		done(fs, &b);
		if (parent) {
			slot(fs, FEAT_EDGE, &b);
			kb_gen(&b, GEN_PATH, parent);
			kb_add(&b, "->");
			kb_gen(&b, GEN_PATH, path);
			done(fs, &b);
		}
		break;
	}
	case SENSOR_KIND_FILE: {
		const char *op = str_or(ev, SENSOR_FIELD_FILE_OP, "access");

		s = str_or(ev, SENSOR_FIELD_FILE_PATH, NULL);
		/* an exec permission event with the file's content: what it runs */
		if (s && strcmp(op, "exec") == 0) {
			const char *hex = sensor_event_get_str(ev, SENSOR_FIELD_FILE_SHA256);

			if (hex)
				features_add_binary(fs, hex, s);
			break;
		}
		/* exec of a file is the exec feature; a close without write adds
		 * nothing to the open that came before it */
		if (!s || strcmp(op, "exec") == 0 || strcmp(op, "close_nowrite") == 0)
			break;
		if (strcmp(op, "close_write") == 0)
			op = "write";
		slot(fs, FEAT_FILE, &b);
		kb_add(&b, op);
		kb_add(&b, ":");
		kb_gen(&b, GEN_PATH, s);
		done(fs, &b);
		break;
	}
	case SENSOR_KIND_NET:
		net_features(ev, fs);
		break;
	case SENSOR_KIND_SYSCALL: {
		int64_t nr;
		char num[24];

		s = str_or(ev, SENSOR_FIELD_SYSCALL_NAME, NULL);
		if (!s) {
			if (sensor_event_get_int(ev, SENSOR_FIELD_SYSCALL_NR, &nr) < 0)
				break;
			snprintf(num, sizeof(num), "%lld", (long long)nr);
			s = num;
		}
		slot(fs, FEAT_SYSCALL, &b);
		kb_add(&b, s);
		done(fs, &b);
		if (is_identity_syscall(s)) {
			const uint64_t *args;
			char uid[24] = "?";

			if (sensor_event_get_args(ev, &args) > 0)
				snprintf(uid, sizeof(uid), "%lld", (long long)(int32_t)args[0]);
			slot(fs, FEAT_IDENTITY, &b);
			kb_add(&b, s);
			kb_add(&b, ":");
			kb_add(&b, uid);
			done(fs, &b);
		}
		break;
	}
	default:
		break;
	}
	return fs->n;
}

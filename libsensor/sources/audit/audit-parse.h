/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Audit record text -> header + field table, zero-copy and bounded.
 *
 * Two framings are accepted: the netlink payload ("audit(1.2:3): k=v ...",
 * type from nlmsg_type) and the log line ("[node=N ]type=T msg=audit(1.2:3): ...").
 * Fields are offsets into the caller's text, so a record can be copied
 * (reassembly) without re-parsing. The user-space "msg='k=v ...'" envelope
 * is flattened, as libauparse does; fields after the 0x1D separator
 * (auditd's "enriched" format) are flagged.
 */
#ifndef SENSOR_AUDIT_PARSE_H
#define SENSOR_AUDIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_REC_MAX_FIELDS 256
#define AUDIT_MAX_RECORD (64u << 10) /* longer text is refused, not cut */

enum audit_field_flags {
	AF_DQUOTED = 1u << 0,  /* value was "..." (offset/len exclude the quotes) */
	AF_SQUOTED = 1u << 1,  /* value was '...' and not flattened */
	AF_ENRICHED = 1u << 2, /* after 0x1D */
	AF_USERMSG = 1u << 3,  /* from inside msg='...' */
};

struct audit_field {
	uint32_t k;    /* key offset */
	uint32_t v;    /* value offset (inside the quotes) */
	uint32_t vlen;
	uint16_t klen;
	uint16_t flags;
};

struct audit_record {
	uint32_t type;      /* numeric record type; 0 if the name is unknown */
	uint32_t type_off;  /* log form: offset/len of the type name, else 0/0 */
	uint16_t type_len;
	uint16_t node_len;
	uint32_t node_off;  /* node= value, node_len 0 when absent */
	uint64_t sec;
	uint32_t msec;
	uint32_t serial;
	uint32_t body_off;  /* first byte after "): " */
	uint32_t nfields;
	uint32_t dropped;   /* fields beyond the table (counted, never silent) */
	struct audit_field *f; /* caller's table */
	uint32_t fcap;
};

/*
 * Parse one record of len bytes (a trailing '\n' or NUL is ignored).
 * type_hint: netlink message type for the netlink form, 0 for log lines.
 * r->f/r->fcap must point at the caller's field table.
 * Returns 0, -EINVAL when the text is not an audit record, -E2BIG when
 * it is longer than AUDIT_MAX_RECORD.
 */
int audit_parse_record(const char *buf, size_t len, uint32_t type_hint, struct audit_record *r);

/* Find a field by key (first match; enriched fields are skipped). NULL when absent. */
const struct audit_field *audit_field_find(const struct audit_record *r, const char *text,
					   const char *key);

/* Field value as an unsigned number (base 10, or 16 when hex is true). 0 or -errno. */
int audit_field_u64(const struct audit_field *f, const char *text, unsigned base, uint64_t *ret);
int audit_field_i64(const struct audit_field *f, const char *text, int64_t *ret);

/*
 * Interpreted string value of a field of a record of type rtype (aN are
 * encoded strings only in EXECVE records; elsewhere they are hex numbers): quoted values without quotes, hex-encoded
 * values (unquoted, even-length hex on a field that the kernel encodes)
 * decoded, "(null)" as NULL-ish empty. Writes at most cap bytes (no NUL),
 * returns the decoded length (may exceed cap: then truncated) or -EINVAL.
 */
int audit_value_decode(const struct audit_field *f, const char *text, uint32_t rtype, char *out,
		       size_t cap);
/* True when this unquoted value would be hex-decoded by audit_value_decode. */
bool audit_value_is_hex(const struct audit_field *f, const char *text, uint32_t rtype);

/* Socket address of a SOCKADDR record's saddr (hex). */
struct audit_sockaddr {
	int family;       /* AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, other, or -1 */
	char addr[110];   /* printable address / unix path ('@' first for abstract) */
	uint32_t port;    /* inet: port; netlink: nl_pid */
	uint32_t groups;  /* netlink groups */
};
/* Decode hex saddr text. 0, or -EINVAL when malformed or too short for its family. */
int audit_sockaddr_decode(const char *hex, size_t len, struct audit_sockaddr *ret);
/* Family name for the unified model ("inet", "inet6", "unix", "netlink", "other"). */
const char *audit_family_name(int family);

/* "x86_64", "aarch64", ...; NULL when unknown. arch is the hex AUDIT_ARCH_* value. */
const char *audit_arch_name(uint32_t arch);
/* Syscall name for an AUDIT_ARCH_* value, NULL when unknown. */
const char *audit_syscall_name(uint32_t arch, int nr);

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Offline input of the audit source: text lines go through the same
 * reassembler and normaliser as live netlink records, with the records'
 * own clock driving timeouts, so a replayed log yields the events live
 * mode would have.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit-source.h"

static int push_line(struct audit_src *as, const char *l, size_t n)
{
	while (n > 0 && (l[n - 1] == '\r' || l[n - 1] == '\n'))
		n--;
	if (n == 0)
		return 0;
	as->src->stats.received++;
	/* offline the records' own clock drives the reassembler; fed to a live source, ours */
	if (audit_reasm_push(as->ra, l, n, 0,
			     (as->o.flags & SENSOR_AUDIT_OFFLINE) ? 0 : now_mono()) == -EINVAL)
		as->src->stats.errors++;
	return 0;
}

int sensor_audit_feed(sensor_source *src, const char *buf, size_t len, uint32_t flags)
{
	struct audit_src *as;
	uint64_t before;
	size_t i = 0;
	bool own_batch;
	int r;

	if (!src || (!buf && len) || src->ops != &source_audit_ops || !src->priv ||
	    (flags & ~(uint32_t)SENSOR_AUDIT_FEED_END))
		return -EINVAL;
	if (src->dead)
		return -ESTALE;
	as = src->priv;
	before = as->emitted;
	/* one clock read for the whole chunk, as the loop does for one readiness */
	own_batch = src->ctx->batch_mono == 0;
	if (own_batch) {
		src->ctx->batch_real = now_real();
		src->ctx->batch_mono = now_mono();
	}
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - buf) : len;

		if (!nl) {
			/* keep the cut line for the next call */
			size_t need = as->plen + (e - i);

			if (need > AUDIT_MAX_RECORD) {
				as->src->stats.errors++;
				as->plen = 0;
				break;
			}
			if (need > as->pcap) {
				char *p = realloc(as->partial, need);

				if (!p) {
					r = -ENOMEM;
					goto out;
				}
				as->partial = p;
				as->pcap = need;
			}
			if (e > i)
				memcpy(as->partial + as->plen, buf + i, e - i);
			as->plen = need;
			break;
		}
		if (as->plen) {
			size_t need = as->plen + (e - i);

			if (need <= AUDIT_MAX_RECORD && need > as->pcap) {
				char *p = realloc(as->partial, need);

				if (!p) {
					r = -ENOMEM;
					goto out;
				}
				as->partial = p;
				as->pcap = need;
			}
			if (need <= AUDIT_MAX_RECORD) {
				memcpy(as->partial + as->plen, buf + i, e - i);
				push_line(as, as->partial, need);
			} else {
				as->src->stats.errors++;
			}
			as->plen = 0;
		} else {
			push_line(as, buf + i, e - i);
		}
		i = e + 1;
	}
	if (flags & SENSOR_AUDIT_FEED_END) {
		if (as->plen)
			push_line(as, as->partial, as->plen);
		as->plen = 0;
		audit_reasm_flush(as->ra);
	}
	r = (int)(as->emitted - before);
out:
	if (own_batch)
		src->ctx->batch_real = src->ctx->batch_mono = 0;
	return r;
}

int sensor_audit_replay(sensor_ctx *ctx, const char *buf, size_t len, uint32_t flags)
{
	struct sensor_audit_opts o = { .sz = sizeof(o), .flags = SENSOR_AUDIT_OFFLINE };
	sensor_source *src;
	int r;

	if (!ctx || (!buf && len) || flags)
		return -EINVAL;
	r = sensor_source_add(ctx, SENSOR_SOURCE_AUDIT, &o, &src);
	if (r < 0)
		return r;
	r = sensor_audit_feed(src, buf, len, SENSOR_AUDIT_FEED_END);
	sensor_source_remove(src);
	return r;
}

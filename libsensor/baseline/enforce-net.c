/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network enforcement per container (docs/enforce.md): two NFQUEUE sources
 * in each enforcing container's own network namespace, one on OUTPUT (the
 * first packet of each new outbound flow) and one on INPUT (of each new
 * inbound connection). A packet has no process, so the instance is the one
 * whose namespace the queue is in; a namespace is held for one instance
 * only (containers sharing a netns, a pod, are held as the first one seen).
 * A container on the host's network has no namespace of its own to queue
 * in and is not held (the host's flows are never queued here).
 *
 * The rules are the NFQUEUE source's own (--queue-bypass, fail-open queue):
 * when the sensor dies or the queue is full, packets pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libsensor/sensor-nfqueue.h>

#include "baseline.h"
#include "core/event.h"
#include "enforce.h"

/* Queue numbers inside a container's netns (queues are per netns). */
#define ENF_QUEUE_OUT 4243
#define ENF_QUEUE_IN 4244

static uint64_t netns_of(int64_t pid)
{
	char path[48];
	struct stat st;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%lld/ns/net", (long long)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/net");
	return stat(path, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}

static bool net_on(const struct sensor_baseline *b)
{
	return !(b->o.enforce_flags & SENSOR_ENFORCE_NO_NET) &&
	       !(b->o.flags & SENSOR_BASELINE_EVENT_TIME);
}

static int add_queue(struct sensor_baseline *b, int64_t pid, uint32_t chain, uint16_t num,
		     struct sensor_source **ret)
{
	struct sensor_nfqueue_opts o = {
		.sz = sizeof(o),
		.chains = chain,
		.queue_num = num,
		.netns_pid = (int32_t)pid,
		.timeout_ns = b->o.enforce_timeout_ns,
		.flags = (b->o.enforce_flags & SENSOR_ENFORCE_FAIL_CLOSED)
				 ? SENSOR_NFQUEUE_FAIL_CLOSED
				 : 0,
	};
	int r = sensor_source_add(b->ctx, SENSOR_SOURCE_NFQUEUE, &o, ret);

	if (r == -EIO || r == -ENOENT) {
		/* no ip6tables (or no IPv6 in the kernel): IPv4 only */
		o.flags |= SENSOR_NFQUEUE_NO_IPV6;
		r = sensor_source_add(b->ctx, SENSOR_SOURCE_NFQUEUE, &o, ret);
	}
	if (r < 0)
		*ret = NULL;
	return r;
}

static void stop(struct enf_wl *w)
{
	if (w->nfq_out)
		sensor_source_remove(w->nfq_out);
	if (w->nfq_in)
		sensor_source_remove(w->nfq_in);
	w->nfq_out = w->nfq_in = NULL;
	w->netns = 0;
	w->net_pid = 0;
}

/* Another live process in netns ns, or 0. */
static int32_t process_in(uint64_t ns)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int32_t found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!*end && pid > 0 && pid <= INT32_MAX && netns_of(pid) == ns)
			found = (int32_t)pid;
	}
	closedir(d);
	return found;
}

void enf_net_hold(struct sensor_baseline *b, uint32_t wi, int64_t pid)
{
	struct enforcer *e = &b->enf;
	struct enf_wl *w;
	uint64_t ns;
	int r;

	if (!net_on(b) || wi == MODEL_NONE || pid <= 0 || pid > INT32_MAX ||
	    !b->m.wls[wi].kind || strcmp(b->m.wls[wi].kind, "container") != 0)
		return;
	w = enf_wl_of(e, wi);
	if (!w || w->nfq_out || w->net_failed)
		return;
	ns = netns_of(pid);
	/* never the host's network (nor ours): only a netns of the container's own */
	if (!ns || ns == netns_of(0) || ns == netns_of(1))
		return;
	for (uint32_t i = 0; i < e->nwl; i++)
		if (i != wi && e->wl[i].netns == ns)
			return; /* held for another instance of the same netns */
	/* the exec's process may be short-lived: queue through the first (oldest)
	 * process of that netns, the container's init as a rule */
	{
		int32_t first = process_in(ns);

		if (first > 0)
			pid = first;
	}
	r = add_queue(b, pid, SENSOR_NFQUEUE_CHAIN_OUTPUT, ENF_QUEUE_OUT, &w->nfq_out);
	if (r == 0)
		r = add_queue(b, pid, SENSOR_NFQUEUE_CHAIN_INPUT, ENF_QUEUE_IN, &w->nfq_in);
	if (r == -ESRCH) {
		stop(w); /* the process ended first (a short exec): the next one holds */
		return;
	}
	if (r < 0) {
		stop(w);
		w->net_failed = true;
		ctx_log(b->ctx, SENSOR_LOG_WARNING,
			"enforce: cannot queue the flows of %s (pid %lld): %s; its network is not "
			"held",
			b->m.wls[wi].id, (long long)pid, strerror(-r));
		return;
	}
	w->netns = ns;
	w->net_pid = (int32_t)pid;
	ctx_log(b->ctx, SENSOR_LOG_INFO, "enforce: holding new flows of %s (netns %llu)",
		b->m.wls[wi].id, (unsigned long long)ns);
}

uint32_t enf_net_claim(struct sensor_baseline *b, struct sensor_event *ev, bool *inbound)
{
	struct enforcer *e = &b->enf;

	if (!ev->src || sensor_event_kind(ev) != SENSOR_KIND_NET)
		return MODEL_NONE;
	for (uint32_t i = 0; i < e->nwl && i < b->m.nwls; i++) {
		if (!e->wl[i].nfq_out || (ev->src != e->wl[i].nfq_out && ev->src != e->wl[i].nfq_in))
			continue;
		*inbound = ev->src == e->wl[i].nfq_in;
		ev_set_str(ev, SENSOR_FIELD_WORKLOAD_ID, b->m.wls[i].id);
		ev_set_str(ev, SENSOR_FIELD_WORKLOAD_KIND, b->m.wls[i].kind);
		return i;
	}
	return MODEL_NONE;
}

bool enf_own_source(struct sensor_baseline *b, const struct sensor_event *ev)
{
	struct enforcer *e = &b->enf;

	if (!ev->src)
		return false;
	if (e->fan && ev->src == e->fan)
		return true;
	for (uint32_t i = 0; i < e->nwl; i++)
		if (e->wl[i].nfq_out && (ev->src == e->wl[i].nfq_out || ev->src == e->wl[i].nfq_in))
			return true;
	return false;
}

void enf_net_tick(struct sensor_baseline *b)
{
	struct enforcer *e = &b->enf;

	for (uint32_t i = 0; i < e->nwl; i++) {
		struct enf_wl *w = &e->wl[i];

		if (!w->nfq_out || netns_of(w->net_pid) == w->netns)
			continue;
		/* the queues keep the netns alive: stop them once no process is in it */
		w->net_pid = process_in(w->netns);
		if (!w->net_pid)
			stop(w);
	}
}

void enf_net_free(struct sensor_baseline *b)
{
	for (uint32_t i = 0; i < b->enf.nwl; i++)
		stop(&b->enf.wl[i]);
}

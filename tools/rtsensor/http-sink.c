/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Alerts to an HTTP endpoint through libcurl, from a sender thread: see http-sink.h. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http-sink.h"

struct body {
	char *text;
	size_t len;
};

struct http_sink {
	char *url;
	CURL *curl;
	struct curl_slist *headers;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct body *q;
	unsigned cap, head, n;
	bool stopping;
	uint64_t stop_deadline; /* CLOCK_MONOTONIC ns */
	struct http_sink_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return sz * n;
}

/* One POST. 0 delivered, 1 try again, -1 refused for good. */
static int post_one(struct http_sink *s, const struct body *b, char *err, size_t errlen, long *status)
{
	CURLcode c;

	*status = 0;
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, b->text);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
	c = curl_easy_perform(s->curl);
	if (c != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(c));
		return 1;
	}
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
	if (*status >= 200 && *status < 300)
		return 0;
	snprintf(err, errlen, "HTTP status %ld", *status);
	if (*status == 408 || *status == 429 || *status >= 500)
		return 1;
	return -1;
}

static void *sender(void *ud)
{
	struct http_sink *s = ud;
	uint64_t pause = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		struct body b;
		char err[160] = "";
		long status;
		int r;

		while (!s->n && !s->stopping)
			pthread_cond_wait(&s->wake, &s->lock);
		if (!s->n || (s->stopping && now_ns() >= s->stop_deadline))
			break;
		b = s->q[s->head];
		pthread_mutex_unlock(&s->lock);
		r = post_one(s, &b, err, sizeof(err), &status);
		pthread_mutex_lock(&s->lock);
		s->st.last_status = (int)status;
		if (r != 0)
			snprintf(s->st.last_err, sizeof(s->st.last_err), "%s", err);
		if (r <= 0) {
			/* delivered, or refused for good: off the queue */
			free(b.text);
			s->head = (s->head + 1) % s->cap;
			s->n--;
			if (r == 0)
				s->st.sent++;
			else
				s->st.rejected++;
			pause = 0;
			continue;
		}
		s->st.retries++;
		/* while stopping, try at least every 250 ms until the grace period ends */
		pause = pause ? pause * 2 : 100000000u;
		if (pause > (s->stopping ? 250000000u : 2000000000u))
			pause = s->stopping ? 250000000u : 2000000000u;
		if (!s->stopping) {
			/* wait, but wake at stop: the grace period has its own deadline */
			struct timespec ts;
			uint64_t until;

			clock_gettime(CLOCK_REALTIME, &ts);
			until = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + pause;
			ts.tv_sec = (time_t)(until / 1000000000u);
			ts.tv_nsec = (long)(until % 1000000000u);
			pthread_cond_timedwait(&s->wake, &s->lock, &ts);
		} else {
			uint64_t now = now_ns();

			if (now >= s->stop_deadline)
				break;
			if (pause > s->stop_deadline - now)
				pause = s->stop_deadline - now;
			pthread_mutex_unlock(&s->lock);
			nanosleep(&(struct timespec){ .tv_sec = (time_t)(pause / 1000000000u),
						     .tv_nsec = (long)(pause % 1000000000u) },
				  NULL);
			pthread_mutex_lock(&s->lock);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_sink_open(struct http_sink **ret, const char *url, unsigned capacity, char *err,
		   size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct http_sink *s;

	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		snprintf(err, errlen, "'%s': want an http:// or https:// URL", url ? url : "");
		return -EINVAL;
	}
	pthread_once(&once, curl_init_once);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cap = capacity ? capacity : 1024;
	s->q = calloc(s->cap, sizeof(*s->q));
	s->url = strdup(url);
	s->curl = curl_easy_init();
	s->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!s->q || !s->url || !s->curl || !s->headers) {
		http_sink_close(s, 0, NULL);
		return -ENOMEM;
	}
	curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "rtsensor");
	/* an alert goes where it was told: no redirects, no other protocols */
	curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (pthread_create(&s->thread, NULL, sender, s) != 0) {
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
		curl_easy_cleanup(s->curl);
		curl_slist_free_all(s->headers);
		free(s->url);
		free(s->q);
		free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

int http_sink_post(struct http_sink *s, const char *body, size_t len)
{
	char *copy;

	pthread_mutex_lock(&s->lock);
	if (s->n >= s->cap) {
		s->st.dropped++;
		pthread_mutex_unlock(&s->lock);
		return -ENOBUFS;
	}
	pthread_mutex_unlock(&s->lock);
	copy = malloc(len + 1);
	if (!copy) {
		pthread_mutex_lock(&s->lock);
		s->st.dropped++;
		pthread_mutex_unlock(&s->lock);
		return -ENOMEM;
	}
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&s->lock);
	s->q[(s->head + s->n) % s->cap] = (struct body){ copy, len };
	s->n++;
	s->st.queued++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void http_sink_get_stats(struct http_sink *s, struct http_sink_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	st->depth = s->n;
	pthread_mutex_unlock(&s->lock);
}

void http_sink_close(struct http_sink *s, uint64_t grace_ns, struct http_sink_stats *final)
{
	if (!s)
		return;
	if (s->curl && s->q && s->url && s->headers) {
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		s->stop_deadline = now_ns() + grace_ns;
		pthread_cond_signal(&s->wake);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		/* what the grace period could not deliver */
		s->st.abandoned += s->n;
		while (s->n) {
			free(s->q[s->head].text);
			s->head = (s->head + 1) % s->cap;
			s->n--;
		}
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
	}
	if (final) {
		*final = s->st;
		final->depth = 0;
	}
	if (s->curl)
		curl_easy_cleanup(s->curl);
	curl_slist_free_all(s->headers);
	free(s->url);
	free(s->q);
	free(s);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/file.h"
#include "dns/strbuf.h"

typedef enum { T_COUNTER, T_GAUGE, T_HISTOGRAM } mtype_t;

typedef enum {
	F_UPD_SENT = 0,
	F_UPD_OK,
	F_UPD_FAIL,
	F_ZONE_OK_TIME,
	F_PROBES,
	F_PROBE_SECONDS,
	F_HOST_UP,
	F_PUBLISHED,
	F_COUNT,
} family_t;

static const struct {
	const char *name, *help;
	mtype_t type;
	const char *label[2]; /* NULL = no such label */
} families[F_COUNT] = {
        [F_UPD_SENT] = {"kmsdns_publisher_updates_sent_total",
                        "DNS UPDATE messages sent, per zone.",
                        T_COUNTER,
                        {"zone", NULL}},
        [F_UPD_OK] = {"kmsdns_publisher_updates_succeeded_total",
                      "DNS UPDATE messages answered NOERROR, per zone.",
                      T_COUNTER,
                      {"zone", NULL}},
        [F_UPD_FAIL] = {"kmsdns_publisher_updates_failed_total",
                        "DNS UPDATE messages that failed, per zone and rcode "
                        "(none: no rcode came back).",
                        T_COUNTER,
                        {"zone", "rcode"}},
        [F_ZONE_OK_TIME] = {"kmsdns_publisher_zone_last_success_timestamp_seconds",
                            "When a round last left the zone's records right (Unix time).",
                            T_GAUGE,
                            {"zone", NULL}},
        [F_PROBES] = {"kmsdns_publisher_health_probes_total",
                      "Health probes of KMS hosts, per host and result.",
                      T_COUNTER,
                      {"host", "result"}},
        [F_PROBE_SECONDS] = {"kmsdns_publisher_health_probe_duration_seconds",
                             "How long health probes took, per host.",
                             T_HISTOGRAM,
                             {"host", NULL}},
        [F_HOST_UP] = {"kmsdns_publisher_host_up",
                       "Whether the KMS host is up by its health checks (1) or not (0: down "
                       "or pending).",
                       T_GAUGE,
                       {"host", NULL}},
        [F_PUBLISHED] = {"kmsdns_publisher_records_published",
                         "SRV records this publisher has published, per domain.",
                         T_GAUGE,
                         {"domain", NULL}},
};

/* Histogram bucket bounds in milliseconds (printed in seconds). */
static const uint32_t bucket_ms[] = {1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
#define NBUCKETS (sizeof(bucket_ms) / sizeof(bucket_ms[0]))

typedef struct {
	family_t fam;
	char *label[2];
	double value; /* counter or gauge */
	uint64_t
	        bucket[NBUCKETS]; /* histogram: observations <= each bound (cumulative on output) */
	uint64_t count;
	uint64_t sum_ms;
} series_t;

struct pub_metrics {
	series_t *v;
	size_t n, cap;
};

pub_metrics_t *pub_metrics_new(void)
{
	return calloc(1, sizeof(pub_metrics_t));
}

static void series_free(series_t *s)
{
	free(s->label[0]);
	free(s->label[1]);
}

void pub_metrics_free(pub_metrics_t *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		series_free(&m->v[i]);
	free(m->v);
	free(m);
}

static bool label_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The series of fam with these label values, created at zero when missing; NULL on ENOMEM. */
static series_t *series(pub_metrics_t *m, family_t fam, const char *l0, const char *l1)
{
	for (size_t i = 0; i < m->n; i++) {
		series_t *s = &m->v[i];
		if (s->fam == fam && label_eq(s->label[0], l0) && label_eq(s->label[1], l1))
			return s;
	}
	series_t *v = kd_array_reserve(m->v, &m->cap, m->n + 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	m->v = v;
	series_t s = {.fam = fam};
	s.label[0] = l0 != NULL ? strdup(l0) : NULL;
	s.label[1] = l1 != NULL ? strdup(l1) : NULL;
	if ((l0 != NULL && s.label[0] == NULL) || (l1 != NULL && s.label[1] == NULL)) {
		series_free(&s);
		return NULL;
	}
	v[m->n] = s;
	return &v[m->n++];
}

static int add(pub_metrics_t *m, family_t fam, const char *l0, const char *l1, double delta)
{
	series_t *s = series(m, fam, l0, l1);
	if (s == NULL)
		return -1;
	s->value += delta;
	return 0;
}

static int set(pub_metrics_t *m, family_t fam, const char *l0, double value)
{
	series_t *s = series(m, fam, l0, NULL);
	if (s == NULL)
		return -1;
	s->value = value;
	return 0;
}

int pub_metrics_update_sent(pub_metrics_t *m, const char *zone)
{
	return add(m, F_UPD_SENT, zone, NULL, 1);
}

int pub_metrics_update_done(pub_metrics_t *m, const char *zone, bool ok, const char *rcode)
{
	if (ok)
		return add(m, F_UPD_OK, zone, NULL, 1);
	return add(m, F_UPD_FAIL, zone, rcode != NULL ? rcode : "none", 1);
}

int pub_metrics_zone_ok(pub_metrics_t *m, const char *zone, int64_t unix_time)
{
	return set(m, F_ZONE_OK_TIME, zone, (double)unix_time);
}

int pub_metrics_probe(pub_metrics_t *m, const char *host, const char *result, uint32_t latency_ms)
{
	if (add(m, F_PROBES, host, result, 1) != 0)
		return -1;
	series_t *h = series(m, F_PROBE_SECONDS, host, NULL);
	if (h == NULL)
		return -1;
	for (size_t b = 0; b < NBUCKETS; b++)
		if (latency_ms <= bucket_ms[b]) {
			h->bucket[b]++;
			break;
		}
	h->count++;
	h->sum_ms += latency_ms;
	return 0;
}

void pub_metrics_clear_gauges(pub_metrics_t *m)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].fam == F_HOST_UP || m->v[i].fam == F_PUBLISHED)
			series_free(&m->v[i]);
		else
			m->v[k++] = m->v[i];
	}
	m->n = k;
}

int pub_metrics_host_up(pub_metrics_t *m, const char *host, bool up)
{
	return set(m, F_HOST_UP, host, up ? 1 : 0);
}

int pub_metrics_published(pub_metrics_t *m, const char *domain, unsigned records)
{
	return set(m, F_PUBLISHED, domain, records);
}

/* Label value escaping of the text format: backslash, double quote and line feed. */
static void put_labels(kd_strbuf_t *sb, const series_t *s, const char *le)
{
	const char *const *names = families[s->fam].label;
	bool any = false;
	for (size_t i = 0; i < 3; i++) {
		const char *name = i < 2 ? names[i] : le != NULL ? "le" : NULL;
		const char *val = i < 2 ? s->label[i] : le;
		if (name == NULL || val == NULL)
			continue;
		kd_strbuf_printf(sb, "%s%s=\"", any ? "," : "{", name);
		for (const char *p = val; *p != '\0'; p++) {
			if (*p == '\\' || *p == '"')
				kd_strbuf_printf(sb, "\\%c", *p);
			else if (*p == '\n')
				kd_strbuf_printf(sb, "\\n");
			else
				kd_strbuf_printf(sb, "%c", *p);
		}
		kd_strbuf_printf(sb, "\"");
		any = true;
	}
	if (any)
		kd_strbuf_printf(sb, "}");
}

static void put_ms(kd_strbuf_t *sb, uint64_t ms)
{
	kd_strbuf_printf(sb, "%llu.%03llu", (unsigned long long)(ms / 1000),
	                 (unsigned long long)(ms % 1000));
}

static void put_series(kd_strbuf_t *sb, const series_t *s)
{
	const char *name = families[s->fam].name;
	if (families[s->fam].type != T_HISTOGRAM) {
		kd_strbuf_printf(sb, "%s", name);
		put_labels(sb, s, NULL);
		kd_strbuf_printf(sb, " %.17g\n", s->value);
		return;
	}
	uint64_t cum = 0;
	for (size_t b = 0; b <= NBUCKETS; b++) {
		char le[32];
		if (b < NBUCKETS) {
			cum += s->bucket[b];
			snprintf(le, sizeof(le), "%g", bucket_ms[b] / 1000.0);
		} else {
			cum = s->count;
			snprintf(le, sizeof(le), "+Inf");
		}
		kd_strbuf_printf(sb, "%s_bucket", name);
		put_labels(sb, s, le);
		kd_strbuf_printf(sb, " %llu\n", (unsigned long long)cum);
	}
	kd_strbuf_printf(sb, "%s_sum", name);
	put_labels(sb, s, NULL);
	kd_strbuf_printf(sb, " ");
	put_ms(sb, s->sum_ms);
	kd_strbuf_printf(sb, "\n%s_count", name);
	put_labels(sb, s, NULL);
	kd_strbuf_printf(sb, " %llu\n", (unsigned long long)s->count);
}

static int cmp_label(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int series_cmp(const void *pa, const void *pb)
{
	const series_t *a = *(const series_t *const *)pa, *b = *(const series_t *const *)pb;
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	int c = cmp_label(a->label[0], b->label[0]);
	return c != 0 ? c : cmp_label(a->label[1], b->label[1]);
}

char *pub_metrics_format(const pub_metrics_t *m, size_t *len)
{
	static const char *const type_names[] = {"counter", "gauge", "histogram"};
	const series_t **order = calloc(m->n + 1, sizeof(*order));
	if (order == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		order[i] = &m->v[i];
	qsort(order, m->n, sizeof(*order), series_cmp);
	kd_strbuf_t sb = {0};
	size_t k = 0;
	for (family_t f = 0; f < F_COUNT; f++) {
		kd_strbuf_printf(&sb, "# HELP %s %s\n# TYPE %s %s\n", families[f].name,
		                 families[f].help, families[f].name, type_names[families[f].type]);
		for (; k < m->n && order[k]->fam == f; k++)
			put_series(&sb, order[k]);
	}
	free(order);
	return kd_strbuf_take(&sb, len);
}

int pub_metrics_write(const pub_metrics_t *m, const char *path)
{
	size_t len;
	char *text = pub_metrics_format(m, &len);
	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int rc = kd_file_write_atomic(path, text, len, 0644);
	int saved = errno;
	free(text);
	errno = saved;
	return rc;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outcome table behind metrics-file: counters and gauges of updates, probes, host health
 * and published records, written as Prometheus text exposition (format 0.0.4) for
 * node_exporter's textfile collector. Names follow the Prometheus conventions:
 *
 *   kmsdns_publisher_updates_sent_total{zone}                UPDATE messages sent
 *   kmsdns_publisher_updates_succeeded_total{zone}           answered NOERROR
 *   kmsdns_publisher_updates_failed_total{zone,rcode}        failed; rcode "none" without one
 *   kmsdns_publisher_zone_last_success_timestamp_seconds{zone}  last round that left the zone
 *                                                            right (Unix time)
 *   kmsdns_publisher_health_probes_total{host,result}        probes and their results
 *   kmsdns_publisher_health_probe_duration_seconds{host}     histogram of probe latency
 *   kmsdns_publisher_host_up{host}                           1 up, 0 down or pending
 *   kmsdns_publisher_records_published{domain}              SRV records published
 *
 * Counters live as long as the table; gauges are set again after each round (clear them first
 * so that hosts and domains gone from the configuration disappear). Not thread-safe: one owner
 * (the daemon loop). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pub_metrics pub_metrics_t;

/* A new empty table (heap; pub_metrics_free), or NULL on ENOMEM. */
pub_metrics_t *pub_metrics_new(void);
void pub_metrics_free(pub_metrics_t *m);

/* Record events. Each returns 0, or -1 on ENOMEM (that event is lost, the table stays valid). */
int pub_metrics_update_sent(pub_metrics_t *m, const char *zone);
/* An UPDATE's outcome: ok, or failed with rcode (a name such as "REFUSED"; NULL when no rcode
 * came back: timeout, network or TSIG failure). */
int pub_metrics_update_done(pub_metrics_t *m, const char *zone, bool ok, const char *rcode);
/* A round left zone right at unix_time (seconds since the epoch). */
int pub_metrics_zone_ok(pub_metrics_t *m, const char *zone, int64_t unix_time);
/* One probe of host ended with result (kd_probe_result_str) after latency_ms. */
int pub_metrics_probe(pub_metrics_t *m, const char *host, const char *result, uint32_t latency_ms);

/* Forget every gauge of host_up and records_published. */
void pub_metrics_clear_gauges(pub_metrics_t *m);
int pub_metrics_host_up(pub_metrics_t *m, const char *host, bool up);
int pub_metrics_published(pub_metrics_t *m, const char *domain, unsigned records);

/* The exposition text (heap, NUL-terminated, length in *len; caller frees), or NULL on ENOMEM.
 * Families in a fixed order, each with HELP and TYPE, series sorted by their labels. */
char *pub_metrics_format(const pub_metrics_t *m, size_t *len);

/* Write the exposition to path atomically (kd_file_write_atomic, mode 0644: the textfile
 * collector runs as another user). Returns 0, or -1 with errno set. */
int pub_metrics_write(const pub_metrics_t *m, const char *path);

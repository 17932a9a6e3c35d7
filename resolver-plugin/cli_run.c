/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dns/log.h"
#include "resolver-plugin/cli.h"

/* The address alone (no port) as text. */
static void addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *raw = sa->sa_family == AF_INET6
	                          ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
	                          : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, raw, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void print_addrs(FILE *f, const kmsl_list_t *l, size_t i, bool json)
{
	size_t n = kmsl_list_addr_count(l, i);
	fputs(json ? "[" : (n == 0 ? "-" : ""), f);
	for (size_t j = 0; j < n; j++) {
		char ip[INET6_ADDRSTRLEN];
		addr_text(kmsl_list_addr(l, i, j, NULL), ip, sizeof(ip));
		if (j > 0)
			fputc(',', f);
		if (json)
			json_str(f, ip);
		else
			fputs(ip, f);
	}
	if (json)
		fputc(']', f);
}

static void print_suffixes_json(FILE *f, const kmsl_list_t *l)
{
	fputs("\"suffixes\":[", f);
	for (size_t k = 0; k < kmsl_list_suffix_count(l); k++) {
		fputs(k > 0 ? ",{\"name\":" : "{\"name\":", f);
		json_str(f, kmsl_list_suffix_name(l, k));
		fputs(",\"result\":", f);
		json_str(f, kmsl_reason_str(kmsl_list_suffix_reason(l, k)));
		fputc('}', f);
	}
	fputc(']', f);
}

static void print_all(const kmsl_list_t *l, bool json)
{
	if (json)
		fputs("{\"candidates\":[", stdout);
	for (size_t i = 0; i < kmsl_list_count(l); i++) {
		const char *src = kmsl_list_source(l, i);
		const char *state = kmsl_state_str(kmsl_list_state(l, i));
		if (!json) {
			printf("%u %u %u %s ", kmsl_list_priority(l, i), kmsl_list_weight(l, i),
			       kmsl_list_port(l, i), kmsl_list_target(l, i));
			print_addrs(stdout, l, i, false);
			printf(" %s %s\n", state, src[0] != '\0' ? src : "-");
			continue;
		}
		printf("%s{\"priority\":%u,\"weight\":%u,\"port\":%u,\"target\":", i > 0 ? "," : "",
		       kmsl_list_priority(l, i), kmsl_list_weight(l, i), kmsl_list_port(l, i));
		json_str(stdout, kmsl_list_target(l, i));
		fputs(",\"addresses\":", stdout);
		print_addrs(stdout, l, i, true);
		fputs(",\"state\":", stdout);
		json_str(stdout, state);
		fputs(",\"source\":", stdout);
		json_str(stdout, src);
		fputc('}', stdout);
	}
	if (json) {
		fputs("],", stdout);
		print_suffixes_json(stdout, l);
		fputs("}\n", stdout);
	}
}

static void print_chosen(const kmsl_host_t *h, bool json)
{
	char ip[INET6_ADDRSTRLEN];
	addr_text((const struct sockaddr *)&h->addr, ip, sizeof(ip));
	if (!json) {
		printf("%s %u %s\n", h->target, h->port, ip);
		return;
	}
	fputs("{\"target\":", stdout);
	json_str(stdout, h->target);
	printf(",\"port\":%u,\"address\":", h->port);
	json_str(stdout, ip);
	printf(",\"priority\":%u,\"weight\":%u,\"source\":", h->priority, h->weight);
	json_str(stdout, h->suffix);
	fputs("}\n", stdout);
}

static void report_suffixes(const kmsl_list_t *l, bool always)
{
	for (size_t k = 0; k < kmsl_list_suffix_count(l); k++) {
		kmsl_reason_t r = kmsl_list_suffix_reason(l, k);
		const char *name = kmsl_list_suffix_name(l, k);
		if (always)
			log_warnx("_vlmcs._tcp.%s.: %s", name, kmsl_reason_str(r));
		else
			log_debug("_vlmcs._tcp.%s.: %s", name, kmsl_reason_str(r));
	}
}

/* "target port: address result, address result (detail)" for candidate i into buf. */
static void host_line(const kmsl_list_t *l, size_t i, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s %u:", kmsl_list_target(l, i), kmsl_list_port(l, i));
	size_t off = w > 0 && (size_t)w < len ? (size_t)w : len;
	const char *detail = kmsl_list_detail(l, i);
	size_t n = kmsl_list_addr_count(l, i);
	if (n == 0)
		snprintf(buf + off, len - off, " %s", detail[0] != '\0' ? detail : "no address");
	for (size_t j = 0; j < n && off < len; j++) {
		char ip[INET6_ADDRSTRLEN];
		kmsl_result_t r = kmsl_list_addr_result(l, i, j);
		addr_text(kmsl_list_addr(l, i, j, NULL), ip, sizeof(ip));
		if (r == KMSL_RESULT_NONE && kmsl_list_state(l, i) == KMSL_STATE_DEAD)
			w = snprintf(buf + off, len - off, "%s %s not tried (marked dead)",
			             j > 0 ? "," : "", ip);
		else
			w = snprintf(buf + off, len - off, "%s %s %s%s%s%s", j > 0 ? "," : "", ip,
			             kmsl_result_str(r), r == KMSL_RESULT_NOTKMS ? " (" : "",
			             r == KMSL_RESULT_NOTKMS ? detail : "",
			             r == KMSL_RESULT_NOTKMS ? ")" : "");
		off += w > 0 ? (size_t)w : 0;
	}
}

/* Each candidate's outcome, one line per host: always on stderr (exit 1) or with -v. */
static void report_hosts(const kmsl_list_t *l, bool always)
{
	for (size_t i = 0; i < kmsl_list_count(l); i++) {
		char line[1024];
		host_line(l, i, line, sizeof(line));
		if (always)
			log_warnx("%s", line);
		else
			log_debug("%s", line);
	}
}

static void print_hosts_json(FILE *f, const kmsl_list_t *l)
{
	fputs("\"candidates\":[", f);
	for (size_t i = 0; i < kmsl_list_count(l); i++) {
		fprintf(f, "%s{\"priority\":%u,\"weight\":%u,\"port\":%u,\"target\":",
		        i > 0 ? "," : "", kmsl_list_priority(l, i), kmsl_list_weight(l, i),
		        kmsl_list_port(l, i));
		json_str(f, kmsl_list_target(l, i));
		fputs(",\"state\":", f);
		json_str(f, kmsl_state_str(kmsl_list_state(l, i)));
		fputs(",\"source\":", f);
		json_str(f, kmsl_list_source(l, i));
		fputs(",\"result\":", f);
		json_str(f, kmsl_result_str(kmsl_list_result(l, i)));
		fputs(",\"detail\":", f);
		json_str(f, kmsl_list_detail(l, i));
		fputs(",\"addresses\":[", f);
		for (size_t j = 0; j < kmsl_list_addr_count(l, i); j++) {
			char ip[INET6_ADDRSTRLEN];
			addr_text(kmsl_list_addr(l, i, j, NULL), ip, sizeof(ip));
			fputs(j > 0 ? ",{\"address\":" : "{\"address\":", f);
			json_str(f, ip);
			fputs(",\"result\":", f);
			json_str(f, kmsl_result_str(kmsl_list_addr_result(l, i, j)));
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputc(']', f);
}

/* The JSON object of a run that found no host: the error, every suffix and every host. */
static void print_error_json(const char *error, const kmsl_list_t *l)
{
	fputs("{\"error\":", stdout);
	json_str(stdout, error);
	fputc(',', stdout);
	print_suffixes_json(stdout, l);
	fputc(',', stdout);
	print_hosts_json(stdout, l);
	fputs("}\n", stdout);
}

static void print_warning(const kmsl_ctx_t *ctx)
{
	if (kmsl_warning(ctx) != NULL)
		log_warnx("%s", kmsl_warning(ctx));
}

int cli_run(kmsl_ctx_t *ctx, const cli_t *cli)
{
	kmsl_list_t *list = NULL;
	const char *state = kmsl_state_path(ctx);
	log_debug("state file: %s", state != NULL ? state : "none");
	kmsl_err_t r = kmsl_candidates(ctx, &list);
	print_warning(ctx);
	if (r == KMSL_ENOSUFFIX) {
		log_err("no domain to search: configure domains or lookup-domain, or set "
		        "domain/search in resolv.conf");
		if (cli->json)
			print_error_json(kmsl_strerror(r), NULL);
		return CLI_NORECORDS;
	}
	if (r != KMSL_OK) {
		log_err("failed to discover KMS hosts (%s)", kmsl_strerror(r));
		if (cli->json)
			print_error_json(kmsl_strerror(r), NULL);
		return CLI_USAGE;
	}
	bool none = kmsl_list_count(list) == 0;
	report_suffixes(list, none);
	int ret = none ? CLI_NORECORDS : CLI_OK;
	if (cli->all && !none) {
		print_all(list, cli->json);
	} else if (!none) {
		int fd = -1;
		kmsl_host_t host;
		r = kmsl_connect_list(ctx, list, &fd, &host);
		print_warning(ctx);
		report_hosts(list, false);
		if (r == KMSL_OK) {
			print_chosen(&host, cli->json);
			if (fd >= 0)
				close(fd);
		} else {
			log_err("failed to reach a KMS host (%s)", kmsl_strerror(r));
			if (kd_log_level() < KD_LOG_DEBUG)
				report_hosts(list, true);
			if (cli->json)
				print_error_json(kmsl_strerror(r), list);
			ret = CLI_NOALIVE;
		}
	}
	if (none) {
		log_err("failed to find KMS hosts (no SRV records in any suffix)");
		if (cli->json)
			print_error_json(kmsl_strerror(KMSL_ENORECORDS), list);
	}
	kmsl_list_free(list);
	return ret;
}

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

static void print_warning(const kmsl_ctx_t *ctx)
{
	if (kmsl_warning(ctx) != NULL)
		log_warnx("%s", kmsl_warning(ctx));
}

int cli_run(kmsl_ctx_t *ctx, const cli_t *cli)
{
	kmsl_list_t *list = NULL;
	kmsl_err_t r = kmsl_candidates(ctx, &list);
	print_warning(ctx);
	if (r == KMSL_ENOSUFFIX) {
		log_err("no domain to search: configure domains or lookup-domain, or set "
		        "domain/search in resolv.conf");
		return CLI_NORECORDS;
	}
	if (r != KMSL_OK) {
		log_err("failed to discover KMS hosts (%s)", kmsl_strerror(r));
		return CLI_USAGE;
	}
	bool none = kmsl_list_count(list) == 0;
	report_suffixes(list, none);
	int ret = none ? CLI_NORECORDS : CLI_OK;
	if (cli->all) {
		print_all(list, cli->json);
	} else if (!none) {
		int fd = -1;
		kmsl_host_t host;
		r = kmsl_connect_list(ctx, list, &fd, &host);
		print_warning(ctx);
		if (r == KMSL_OK) {
			print_chosen(&host, cli->json);
			if (fd >= 0)
				close(fd);
		} else {
			log_err("failed to reach a KMS host (%s)", kmsl_strerror(r));
			ret = CLI_NOALIVE;
		}
	}
	if (none)
		log_err("failed to find KMS hosts (no SRV records in any suffix)");
	kmsl_list_free(list);
	return ret;
}

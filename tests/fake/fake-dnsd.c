/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-dnsd: a UDP DNS server for the resolver tests that misbehaves on purpose. It answers
 * from a file of records (--records, one RR per line in presentation format) or passes each
 * query on to a real server (--upstream) and edits what comes back:
 *   --rcode NAME         answer every query with this rcode only (SERVFAIL, REFUSED, ...)
 *   --silent             never answer
 *   --drop-first         drop the first datagram of each question (name and type)
 *   --delay MS           answer after MS milliseconds
 *   --add-additional F   append the RRs of file F to the additional section
 *   --strip-additional T drop the additional records of type T (A or AAAA)
 *   --reverse-answer     list the answer section backwards
 * Every query is logged on stderr ("NAME TYPE: what was done"). Loopback addresses only. */
#include "config.h"

#include <getopt.h>
#include <ldns/ldns.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/addr.h"

#define MAX_SEEN 1024

typedef struct {
	ldns_rr_list *records; /* --records */
	ldns_rr_list *extra;   /* --add-additional */
	kd_addr_t upstream;
	bool has_upstream;
	int rcode; /* -1: none */
	bool silent, drop_first, reverse;
	ldns_rr_type strip;
	unsigned delay_ms;
	char *seen[MAX_SEEN]; /* questions already dropped once */
	size_t nseen;
} fake_t;

static void die(const char *what)
{
	fprintf(stderr, "fake-dnsd: failed to %s\n", what);
	exit(1);
}

static ldns_rr_list *read_rrs(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		die("open a records file");
	ldns_rr_list *list = ldns_rr_list_new();
	char line[1024];
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, line, 300, NULL, NULL) != LDNS_STATUS_OK) {
			fprintf(stderr, "fake-dnsd: bad record '%s'\n", line);
			exit(1);
		}
		ldns_rr_list_push_rr(list, rr);
	}
	fclose(f);
	return list;
}

/* Records of the file owned by name (with type, or any type for LDNS_RR_TYPE_ANY) into out. */
static size_t find(const fake_t *fk, const ldns_rdf *name, ldns_rr_type type, ldns_pkt *out,
                   ldns_pkt_section sec)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(fk->records); i++) {
		ldns_rr *rr = ldns_rr_list_rr(fk->records, i);
		if (ldns_dname_compare(ldns_rr_owner(rr), name) != 0 ||
		    (type != LDNS_RR_TYPE_ANY && ldns_rr_get_type(rr) != type))
			continue;
		n++;
		if (out != NULL)
			ldns_pkt_push_rr(out, sec, ldns_rr_clone(rr));
	}
	return n;
}

/* Answer q from the records: the RRset, a CNAME chain inside the file, glue for SRV targets;
 * NXDOMAIN for an unknown name, NODATA for a known one without the type. */
static void answer_from_records(const fake_t *fk, const ldns_rr *question, ldns_pkt *r)
{
	const ldns_rdf *name = ldns_rr_owner(question);
	ldns_rr_type type = ldns_rr_get_type(question);
	for (int hops = 0; hops < 8; hops++) {
		if (find(fk, name, type, r, LDNS_SECTION_ANSWER) > 0)
			break;
		ldns_pkt *tmp = ldns_pkt_new();
		if (find(fk, name, LDNS_RR_TYPE_CNAME, tmp, LDNS_SECTION_ANSWER) == 0) {
			ldns_pkt_free(tmp);
			if (hops == 0 && find(fk, name, LDNS_RR_TYPE_ANY, NULL, 0) == 0)
				ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
			break;
		}
		ldns_rr *cname = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_answer(tmp), 0));
		ldns_pkt_free(tmp);
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, cname);
		name = ldns_rr_rdf(cname, 0);
	}
	const ldns_rr_list *ans = ldns_pkt_answer(r);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SRV || ldns_rr_rd_count(rr) != 4)
			continue;
		find(fk, ldns_rr_rdf(rr, 3), LDNS_RR_TYPE_A, r, LDNS_SECTION_ADDITIONAL);
		find(fk, ldns_rr_rdf(rr, 3), LDNS_RR_TYPE_AAAA, r, LDNS_SECTION_ADDITIONAL);
	}
}

/* Pass the query on to the upstream server and return its answer (NULL on failure). */
static ldns_pkt *ask_upstream(const fake_t *fk, const uint8_t *q, size_t len)
{
	int fd = socket(fk->upstream.ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    connect(fd, (const struct sockaddr *)&fk->upstream.ss, fk->upstream.len) != 0 ||
	    send(fd, q, len, 0) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint8_t buf[65535];
	ssize_t n = poll(&p, 1, 2000) == 1 ? recv(fd, buf, sizeof(buf), 0) : -1;
	close(fd);
	ldns_pkt *pkt = NULL;
	if (n <= 0 || ldns_wire2pkt(&pkt, buf, (size_t)n) != LDNS_STATUS_OK)
		return NULL;
	return pkt;
}

static void edit(const fake_t *fk, ldns_pkt *r)
{
	if (fk->strip != 0) {
		ldns_rr_list *keep = ldns_rr_list_new();
		ldns_rr_list *add = ldns_pkt_additional(r);
		for (size_t i = 0; i < ldns_rr_list_rr_count(add); i++) {
			ldns_rr *rr = ldns_rr_list_rr(add, i);
			if (ldns_rr_get_type(rr) == fk->strip)
				ldns_rr_free(rr);
			else
				ldns_rr_list_push_rr(keep, rr);
		}
		ldns_rr_list_free(add);
		ldns_pkt_set_additional(r, keep);
	}
	for (size_t i = 0; fk->extra != NULL && i < ldns_rr_list_rr_count(fk->extra); i++)
		ldns_pkt_push_rr(r, LDNS_SECTION_ADDITIONAL,
		                 ldns_rr_clone(ldns_rr_list_rr(fk->extra, i)));
	if (fk->reverse) {
		ldns_rr_list *ans = ldns_pkt_answer(r);
		ldns_rr_list *rev = ldns_rr_list_new();
		for (size_t i = ldns_rr_list_rr_count(ans); i > 0; i--)
			ldns_rr_list_push_rr(rev, ldns_rr_list_rr(ans, i - 1));
		ldns_rr_list_free(ans);
		ldns_pkt_set_answer(r, rev);
	}
	ldns_pkt_set_ancount(r, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(r)));
	ldns_pkt_set_arcount(r, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_additional(r)));
}

/* Whether this question was seen before; remembers it. */
static bool seen_before(fake_t *fk, const char *key)
{
	for (size_t i = 0; i < fk->nseen; i++)
		if (strcmp(fk->seen[i], key) == 0)
			return true;
	if (fk->nseen < MAX_SEEN)
		fk->seen[fk->nseen++] = strdup(key);
	return false;
}

/* The reply to one datagram into *out (NULL: say nothing). */
static void handle(fake_t *fk, const uint8_t *buf, size_t len, uint8_t **out, size_t *out_len)
{
	ldns_pkt *q = NULL;
	*out = NULL;
	if (ldns_wire2pkt(&q, buf, len) != LDNS_STATUS_OK)
		return;
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	if (question == NULL) {
		ldns_pkt_free(q);
		return;
	}
	char *name = ldns_rdf2str(ldns_rr_owner(question));
	char *type = ldns_rr_type2str(ldns_rr_get_type(question));
	char key[600];
	snprintf(key, sizeof(key), "%s %s", name, type);
	const char *what = "answered";
	ldns_pkt *r = NULL;
	if (fk->silent) {
		what = "silent";
	} else if (fk->drop_first && !seen_before(fk, key)) {
		what = "dropped";
	} else if (fk->rcode >= 0 || fk->records != NULL) {
		r = ldns_pkt_new();
		ldns_pkt_set_id(r, ldns_pkt_id(q));
		ldns_pkt_set_qr(r, true);
		ldns_pkt_set_aa(r, true);
		ldns_pkt_set_rd(r, ldns_pkt_rd(q));
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(question));
		if (fk->rcode >= 0)
			ldns_pkt_set_rcode(r, (uint8_t)fk->rcode);
		else
			answer_from_records(fk, question, r);
	} else if ((r = ask_upstream(fk, buf, len)) == NULL) {
		what = "upstream failed";
	}
	if (r != NULL) {
		edit(fk, r);
		if (fk->delay_ms > 0) {
			struct timespec ts = {fk->delay_ms / 1000,
			                      (long)(fk->delay_ms % 1000) * 1000000};
			nanosleep(&ts, NULL);
		}
		if (ldns_pkt2wire(out, r, out_len) != LDNS_STATUS_OK)
			*out = NULL;
		ldns_lookup_table *rc = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(r));
		fprintf(stderr, "fake-dnsd: %s: %s, %zu answers\n", key,
		        rc != NULL ? rc->name : "?", ldns_rr_list_rr_count(ldns_pkt_answer(r)));
		ldns_pkt_free(r);
	} else {
		fprintf(stderr, "fake-dnsd: %s: %s\n", key, what);
	}
	free(name);
	free(type);
	ldns_pkt_free(q);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"listen", required_argument, NULL, 'l'},
	        {"records", required_argument, NULL, 'r'},
	        {"upstream", required_argument, NULL, 'u'},
	        {"rcode", required_argument, NULL, 'c'},
	        {"silent", no_argument, NULL, 's'},
	        {"drop-first", no_argument, NULL, 'd'},
	        {"delay", required_argument, NULL, 'D'},
	        {"add-additional", required_argument, NULL, 'a'},
	        {"strip-additional", required_argument, NULL, 'S'},
	        {"reverse-answer", no_argument, NULL, 'R'},
	        {"ready-file", required_argument, NULL, 'f'},
	        {NULL, 0, NULL, 0},
	};
	fake_t fk = {.rcode = -1};
	kd_addr_t listen_addr;
	const char *listen_text = NULL, *ready = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen_text = optarg; break;
		case 'r': fk.records = read_rrs(optarg); break;
		case 'u':
			if (kd_addr_parse(optarg, 53, &fk.upstream) != 0)
				die("parse --upstream");
			fk.has_upstream = true;
			break;
		case 'c': {
			ldns_lookup_table *t = ldns_lookup_by_name(ldns_rcodes, optarg);
			if (t == NULL)
				die("parse --rcode");
			fk.rcode = t->id;
			break;
		}
		case 's': fk.silent = true; break;
		case 'd': fk.drop_first = true; break;
		case 'D': fk.delay_ms = (unsigned)atoi(optarg); break;
		case 'a': fk.extra = read_rrs(optarg); break;
		case 'S': fk.strip = ldns_get_rr_type_by_name(optarg); break;
		case 'R': fk.reverse = true; break;
		case 'f': ready = optarg; break;
		default: return 2;
		}
	}
	if (listen_text == NULL || kd_addr_parse(listen_text, 53, &listen_addr) != 0 ||
	    (fk.records == NULL && !fk.has_upstream && fk.rcode < 0 && !fk.silent)) {
		fprintf(stderr,
		        "usage: fake-dnsd --listen ADDR[@PORT] (--records FILE | --upstream "
		        "ADDR[@PORT] | --rcode NAME | --silent) [options]\n");
		return 2;
	}
	int fd = socket(listen_addr.ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)&listen_addr.ss, listen_addr.len) != 0)
		die("listen");
	fprintf(stderr, "fake-dnsd: listening on %s\n", listen_text);
	if (ready != NULL) {
		FILE *f = fopen(ready, "w");
		if (f == NULL)
			die("write the ready file");
		fputs("ready\n", f);
		fclose(f);
	}
	for (;;) {
		uint8_t buf[65535];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		uint8_t *out = NULL;
		size_t out_len = 0;
		handle(&fk, buf, (size_t)n, &out, &out_len);
		if (out != NULL)
			sendto(fd, out, out_len, 0, (struct sockaddr *)&from, fl);
		free(out);
	}
}

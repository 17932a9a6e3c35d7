/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/status.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/file.h"
#include "dns/strbuf.h"

#define STATE_MAX (64u << 20)

/* src into dst[cap], cut as snprintf cuts. */
static void put(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	n = n < cap ? n : cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

bool pub_status_next(const char *buf, size_t len, size_t *off, pub_status_line_t *out)
{
	while (*off < len) {
		const char *p = buf + *off;
		const char *nl = memchr(p, '\n', len - *off);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - *off;
		*off += n + (nl != NULL);
		if (n < 3 || p[0] != ';' || p[1] != '@')
			continue;
		char line[1600];
		if (n - 2 >= sizeof(line))
			continue;
		memcpy(line, p + 2, n - 2);
		line[n - 2] = '\0';
		/* Each field set, not the whole 1.5 KB zeroed: thousands of lines at a start. */
		out->kind[0] = out->name[0] = out->name2[0] = out->fields[0] = '\0';
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		if (tok == NULL)
			continue;
		put(out->kind, sizeof(out->kind), tok);
		for (int i = 0; i < 2; i++) {
			/* Positional arguments are the tokens before the first key=value. */
			char *rest = save;
			while (rest != NULL && *rest == ' ')
				rest++;
			if (rest == NULL || *rest == '\0')
				break;
			size_t tl = strcspn(rest, " ");
			if (memchr(rest, '=', tl) != NULL)
				break;
			tok = strtok_r(NULL, " ", &save);
			put(i == 0 ? out->name : out->name2, sizeof(out->name), tok);
		}
		if (save != NULL)
			put(out->fields, sizeof(out->fields), save);
		return true;
	}
	return false;
}

bool pub_status_field(const pub_status_line_t *line, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = line->fields;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t vl = strcmp(key, "error") == 0 ? strlen(v) : strcspn(v, " ");
			snprintf(buf, len, "%.*s", (int)vl, v);
			return true;
		}
		p += strcspn(p, " ");
	}
	return false;
}

/* Monotonic ms to Unix seconds, 0 for 0 or UINT64_MAX (never). */
static int64_t to_unix(uint64_t ms, int64_t now_unix, uint64_t now_ms)
{
	if (ms == 0 || ms == UINT64_MAX)
		return 0;
	if (ms >= now_ms)
		return now_unix + (int64_t)((ms - now_ms + 999) / 1000);
	return now_unix - (int64_t)((now_ms - ms) / 1000);
}

static void put_int(kd_strbuf_t *sb, long long v)
{
	if (v < 0)
		kd_strbuf_puts(sb, "-");
	kd_strbuf_uint(sb, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
}

static const char *why_token(pub_why_t w)
{
	switch (w) {
	case PUB_WHY_HEALTHY: return "healthy";
	case PUB_WHY_PENDING: return "pending";
	case PUB_WHY_WITHDRAWN: return "withdrawn";
	case PUB_WHY_HELD: return "held";
	}
	return "healthy";
}

static const char *probe_name(kd_probe_kind_t k)
{
	return k == KD_PROBE_RPC ? "rpc" : k == KD_PROBE_TCP ? "tcp" : "none";
}

char *pub_status_format(const pub_ctx_t *ctx, int64_t now_unix, uint64_t now_ms, size_t *len)
{
	kd_strbuf_t sb = {0};
	const pub_fleet_t *f = ctx->fleet;
	kd_strbuf_printf(&sb, ";@written unix=%lld pid=%ld probes_max_in_flight=%zu\n",
	                 (long long)now_unix, (long)getpid(), ctx->probes_max_inflight);
	/* One line per host and per host and domain (thousands): appended piece by piece. */
	for (size_t h = 0; f != NULL && h < f->nh; h++) {
		const pub_fleet_host_t *x = &f->hosts[h];
		kd_strbuf_puts(&sb, ";@host ");
		kd_strbuf_puts(&sb, x->name);
		kd_strbuf_puts(&sb, " state=");
		kd_strbuf_puts(&sb, pub_health_state_str(x->h.state));
		kd_strbuf_puts(&sb, " since=");
		put_int(&sb, to_unix(x->h.since_ms, now_unix, now_ms));
		kd_strbuf_puts(&sb, " probe=");
		kd_strbuf_puts(&sb, probe_name(x->kind));
		kd_strbuf_puts(&sb, " result=");
		kd_strbuf_puts(&sb,
		               x->h.last_probe_ms != 0 ? kd_probe_result_str(x->h.last) : "none");
		kd_strbuf_puts(&sb, " latency_ms=");
		kd_strbuf_uint(&sb, x->h.last_latency_ms);
		kd_strbuf_puts(&sb, " probed=");
		put_int(&sb, to_unix(x->h.last_probe_ms, now_unix, now_ms));
		kd_strbuf_puts(&sb, " failures=");
		kd_strbuf_uint(&sb, x->h.failures);
		kd_strbuf_puts(&sb, " successes=");
		kd_strbuf_uint(&sb, x->h.successes);
		kd_strbuf_puts(&sb, "\n");
	}
	pub_fleet_srvs_t in_state = {0};
	if (f != NULL && f->nd > 0 && pub_fleet_srvs_init(&in_state, &ctx->state) != 0)
		sb.failed = true;
	for (size_t d = 0; f != NULL && !sb.failed && d < f->nd; d++) {
		const char *dom = f->conf->raw.domains[d].name;
		kd_strbuf_puts(&sb, ";@domain ");
		kd_strbuf_puts(&sb, dom);
		kd_strbuf_puts(&sb,
		               f->holding[d] ? " fail_open=1 records=" : " fail_open=0 records=");
		kd_strbuf_uint(&sb, pub_fleet_count(f, d));
		kd_strbuf_puts(&sb, "\n");
		for (size_t h = 0; h < f->nh; h++) {
			kd_strbuf_puts(&sb, ";@record ");
			kd_strbuf_puts(&sb, dom);
			kd_strbuf_puts(&sb, " ");
			kd_strbuf_puts(&sb, f->hosts[h].name);
			kd_strbuf_puts(&sb, f->published[h * f->nd + d] ? " published=1 why="
			                                                : " published=0 why=");
			kd_strbuf_puts(&sb, why_token(f->why[h * f->nd + d]));
			kd_strbuf_puts(&sb, pub_fleet_srvs_has(&in_state, dom, f->hosts[h].name)
			                            ? " in_zone=1\n"
			                            : " in_zone=0\n");
		}
	}
	pub_fleet_srvs_deinit(&in_state);
	for (size_t i = 0; i < ctx->sched.n; i++) {
		const pub_zstat_t *z = &ctx->sched.v[i];
		if (!z->tried && z->key[0] == '?')
			continue;
		/* A line per zone (thousands): appended piece by piece too. */
		kd_strbuf_puts(&sb, ";@zone ");
		kd_strbuf_puts(&sb, z->key);
		kd_strbuf_puts(&sb,
		               z->tried && z->ok ? " ok=1 last_success=" : " ok=0 last_success=");
		put_int(&sb, z->last_ok_unix);
		kd_strbuf_puts(&sb, " next=");
		put_int(&sb, to_unix(z->backoff.next_ms, now_unix, now_ms));
		if (z->last_err[0] != '\0') {
			char e[sizeof(z->last_err)];
			snprintf(e, sizeof(e), "%s", z->last_err);
			for (char *p = e; *p != '\0'; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			kd_strbuf_puts(&sb, " error=");
			kd_strbuf_puts(&sb, e);
		}
		kd_strbuf_puts(&sb, "\n");
	}
	return kd_strbuf_take(&sb, len);
}

/* ---- printing ---- */

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void iso(int64_t t, char *buf, size_t len)
{
	if (t == 0) {
		snprintf(buf, len, "never");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *why_text(const char *token)
{
	if (strcmp(token, "withdrawn") == 0)
		return "withdrawn by health";
	if (strcmp(token, "held") == 0)
		return "held by fail-open";
	if (strcmp(token, "pending") == 0)
		return "pending (not yet up)";
	return token;
}

static int64_t num(const pub_status_line_t *l, const char *key)
{
	char v[32];
	return pub_status_field(l, key, v, sizeof(v)) ? atoll(v) : 0;
}

/* The ";@written" line: when, by which process, the most probes in flight; returns whether
 * that process still runs. */
static bool read_written(const char *buf, size_t len, int64_t *written, int64_t *pid, int64_t *maxp)
{
	pub_status_line_t l;
	size_t off = 0;
	while (pub_status_next(buf, len, &off, &l))
		if (strcmp(l.kind, "written") == 0) {
			*written = num(&l, "unix");
			*pid = num(&l, "pid");
			*maxp = num(&l, "probes_max_in_flight");
		}
	return *pid > 0 && (kill((pid_t)*pid, 0) == 0 || errno == EPERM);
}

static void print_text(FILE *out, const char *path, const char *buf, size_t len)
{
	pub_status_line_t l;
	size_t off = 0;
	char t1[32], t2[32], v[64], w[64], e[1024];
	int64_t written = 0, pid = 0, maxp = 0;
	bool running = read_written(buf, len, &written, &pid, &maxp);
	iso(written, t1, sizeof(t1));
	fprintf(out,
	        "state file %s: written %s by pid %lld (%s); at most %lld probe(s) in flight\n",
	        path, t1, (long long)pid, running ? "running" : "not running", (long long)maxp);
	const char *kinds[] = {"host", "record", "domain", "zone"};
	const char *titles[] = {"hosts:", "records:", "domains:", "zones:"};
	for (size_t k = 0; k < 4; k++) {
		bool title = false;
		off = 0;
		while (pub_status_next(buf, len, &off, &l)) {
			if (strcmp(l.kind, kinds[k]) != 0)
				continue;
			if (!title)
				fprintf(out, "%s\n", titles[k]);
			title = true;
			switch (k) {
			case 0:
				pub_status_field(&l, "state", v, sizeof(v));
				pub_status_field(&l, "result", w, sizeof(w));
				iso(num(&l, "since"), t1, sizeof(t1));
				iso(num(&l, "probed"), t2, sizeof(t2));
				fprintf(out, "  %s: %s since %s; last probe: %s", l.name, v, t1, w);
				if (strcmp(w, "none") != 0)
					fprintf(out, " in %lld ms at %s",
					        (long long)num(&l, "latency_ms"), t2);
				fprintf(out, "; %lld failure(s), %lld success(es) in a row\n",
				        (long long)num(&l, "failures"),
				        (long long)num(&l, "successes"));
				break;
			case 1:
				pub_status_field(&l, "why", w, sizeof(w));
				fprintf(out, "  %s in %s: %s (%s)%s\n", l.name2, l.name,
				        num(&l, "published") ? "published" : "not published",
				        why_text(w),
				        num(&l, "published") && !num(&l, "in_zone")
				                ? "; not in the zone now (not sent yet, or "
				                  "withdrawn at exit)"
				                : "");
				break;
			case 2:
				fprintf(out, "  %s: %lld SRV record(s)%s\n", l.name,
				        (long long)num(&l, "records"),
				        num(&l, "fail_open")
				                ? "; every host down, held by fail-open"
				                : "");
				break;
			default:
				iso(num(&l, "last_success"), t1, sizeof(t1));
				iso(num(&l, "next"), t2, sizeof(t2));
				fprintf(out, "  %s: %s; last success %s; next attempt %s\n", l.name,
				        num(&l, "ok") ? "ok" : "failing", t1, t2);
				if (pub_status_field(&l, "error", e, sizeof(e)))
					fprintf(out, "    last error: %s\n", e);
			}
		}
	}
}

static void print_json(FILE *out, const char *path, const char *buf, size_t len)
{
	pub_status_line_t l;
	size_t off = 0;
	char v[64], w[64], e[1024];
	int64_t written = 0, pid = 0, maxp = 0;
	bool running = read_written(buf, len, &written, &pid, &maxp);
	fprintf(out, "{\"state_file\":");
	json_str(out, path);
	fprintf(out, ",\"written\":%lld,\"pid\":%lld,\"running\":%s,\"probes_max_in_flight\":%lld",
	        (long long)written, (long long)pid, running ? "true" : "false", (long long)maxp);
	const char *kinds[] = {"host", "record", "domain", "zone"};
	const char *keys[] = {"hosts", "records", "domains", "zones"};
	for (size_t k = 0; k < 4; k++) {
		fprintf(out, ",\"%s\":[", keys[k]);
		bool first = true;
		off = 0;
		while (pub_status_next(buf, len, &off, &l)) {
			if (strcmp(l.kind, kinds[k]) != 0)
				continue;
			fprintf(out, "%s{", first ? "" : ",");
			first = false;
			switch (k) {
			case 0:
				pub_status_field(&l, "state", v, sizeof(v));
				pub_status_field(&l, "result", w, sizeof(w));
				fprintf(out, "\"name\":");
				json_str(out, l.name);
				fprintf(out, ",\"health\":");
				json_str(out, v);
				fprintf(out, ",\"since\":%lld,\"last_probe\":{\"result\":",
				        (long long)num(&l, "since"));
				json_str(out, w);
				fprintf(out,
				        ",\"latency_seconds\":%.3f,\"time\":%lld},\"failures\":%"
				        "lld,"
				        "\"successes\":%lld}",
				        (double)num(&l, "latency_ms") / 1000.0,
				        (long long)num(&l, "probed"),
				        (long long)num(&l, "failures"),
				        (long long)num(&l, "successes"));
				break;
			case 1:
				pub_status_field(&l, "why", w, sizeof(w));
				fprintf(out, "\"domain\":");
				json_str(out, l.name);
				fprintf(out, ",\"host\":");
				json_str(out, l.name2);
				fprintf(out, ",\"published\":%s,\"in_zone\":%s,\"why\":",
				        num(&l, "published") ? "true" : "false",
				        num(&l, "in_zone") ? "true" : "false");
				json_str(out, why_text(w));
				fputc('}', out);
				break;
			case 2:
				fprintf(out, "\"domain\":");
				json_str(out, l.name);
				fprintf(out, ",\"records\":%lld,\"fail_open\":%s}",
				        (long long)num(&l, "records"),
				        num(&l, "fail_open") ? "true" : "false");
				break;
			default:
				fprintf(out, "\"zone\":");
				json_str(out, l.name);
				fprintf(out,
				        ",\"ok\":%s,\"last_success\":%lld,\"next_attempt\":%lld",
				        num(&l, "ok") ? "true" : "false",
				        (long long)num(&l, "last_success"),
				        (long long)num(&l, "next"));
				fprintf(out, ",\"last_error\":");
				if (pub_status_field(&l, "error", e, sizeof(e)))
					json_str(out, e);
				else
					fprintf(out, "null");
				fputc('}', out);
			}
		}
		fputc(']', out);
	}
	fprintf(out, "}\n");
}

int pub_status_print(FILE *out, const char *path, bool json, kd_error_t *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (kd_file_read(path, STATE_MAX, &buf, &len) != 0)
		return kd_fail(err, KD_EIO, "failed to read state file %s (%s)", path,
		               strerror(errno));
	if (json)
		print_json(out, path, buf, len);
	else
		print_text(out, path, buf, len);
	free(buf);
	return 0;
}

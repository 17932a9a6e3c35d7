/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/metrics.c: the exposition text, checked line by line by a strict parser of the
 * Prometheus text format written here, and by promtool (Debian package prometheus) when it is
 * installed (KMSDNS_REQUIRE_SERVERS=1, as in CI, makes a missing promtool a failure). */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/file.h"
#include "publisher/metrics.h"

/* ---- a strict parser of the text format (version 0.0.4) ---- */

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

static bool value_ok(const char *s)
{
	if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0)
		return true;
	char *end;
	strtod(s, &end);
	return end != s && *end == '\0';
}

typedef struct {
	char family[128];
	char type[16];
	unsigned samples;
	unsigned families;
} parse_t;

/* The family a sample name belongs to, given the declared TYPE. */
static bool in_family(const parse_t *p, const char *name, size_t n)
{
	size_t f = strlen(p->family);
	if (n == f && strncmp(name, p->family, n) == 0)
		return strcmp(p->type, "histogram") != 0;
	if (strcmp(p->type, "histogram") != 0 || n <= f || strncmp(name, p->family, f) != 0)
		return false;
	const char *suf = name + f;
	size_t sl = n - f;
	return (sl == 7 && strncmp(suf, "_bucket", 7) == 0) ||
	       (sl == 4 && strncmp(suf, "_sum", 4) == 0) ||
	       (sl == 6 && strncmp(suf, "_count", 6) == 0);
}

static const char *parse_line(parse_t *p, char *line)
{
	if (strncmp(line, "# HELP ", 7) == 0) {
		char *name = line + 7, *sp = strchr(name, ' ');
		if (sp == NULL || !name_ok(name, (size_t)(sp - name)))
			return "bad HELP";
		snprintf(p->family, sizeof(p->family), "%.*s", (int)(sp - name), name);
		p->type[0] = '\0';
		p->families++;
		return NULL;
	}
	if (strncmp(line, "# TYPE ", 7) == 0) {
		char *name = line + 7, *sp = strchr(name, ' ');
		if (sp == NULL || strncmp(name, p->family, (size_t)(sp - name)) != 0 ||
		    p->type[0] != '\0')
			return "TYPE not right after its HELP";
		const char *t = sp + 1;
		if (strcmp(t, "counter") != 0 && strcmp(t, "gauge") != 0 &&
		    strcmp(t, "histogram") != 0)
			return "unknown TYPE";
		if (strcmp(t, "counter") == 0 && strlen(p->family) > 6 &&
		    strcmp(p->family + strlen(p->family) - 6, "_total") != 0)
			return "counter without _total";
		snprintf(p->type, sizeof(p->type), "%s", t);
		return NULL;
	}
	if (line[0] == '#' || line[0] == '\0')
		return "stray comment or empty line";
	char *s = line;
	size_t n = strcspn(s, "{ ");
	if (!name_ok(s, n))
		return "bad metric name";
	if (p->type[0] == '\0' || !in_family(p, s, n))
		return "sample outside its declared family";
	if (strncmp(s, "kmsdns_publisher_", 17) != 0)
		return "name without the kmsdns_publisher_ prefix";
	bool bucket = n > 7 && strncmp(s + n - 7, "_bucket", 7) == 0, has_le = false;
	s += n;
	if (*s == '{') {
		s++;
		while (*s != '}') {
			size_t ln = strcspn(s, "=");
			if (!name_ok(s, ln) || s[ln] != '=' || s[ln + 1] != '"')
				return "bad label";
			has_le = has_le || (ln == 2 && strncmp(s, "le", 2) == 0);
			s += ln + 2;
			while (*s != '"') {
				if (*s == '\0' || *s == '\n')
					return "unterminated label value";
				if (*s == '\\') {
					if (s[1] != '\\' && s[1] != '"' && s[1] != 'n')
						return "bad escape in label value";
					s++;
				}
				s++;
			}
			s++;
			if (*s == ',')
				s++;
			else if (*s != '}')
				return "bad label separator";
		}
		s++;
	}
	if (bucket != has_le)
		return "le label missing or misplaced";
	if (*s != ' ' || !value_ok(s + 1))
		return "bad value";
	p->samples++;
	return NULL;
}

/* Parse the whole text; fails the test with the line on the first error. */
static parse_t parse_all(const char *text)
{
	parse_t p = {.family = ""};
	char *copy = strdup(text);
	assert_non_null(copy);
	assert_true(strlen(copy) > 0 && copy[strlen(copy) - 1] == '\n');
	unsigned no = 0;
	for (char *line = copy, *nl; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		no++;
		const char *why = parse_line(&p, line);
		if (why != NULL)
			fail_msg("line %u: %s: %s", no, why, line);
	}
	free(copy);
	return p;
}

/* ---- the tests ---- */

static pub_metrics_t *sample(void)
{
	pub_metrics_t *m = pub_metrics_new();
	assert_non_null(m);
	assert_int_equal(pub_metrics_update_sent(m, "example.com."), 0);
	assert_int_equal(pub_metrics_update_done(m, "example.com.", true, NULL), 0);
	assert_int_equal(pub_metrics_update_sent(m, "example.com."), 0);
	assert_int_equal(pub_metrics_update_done(m, "example.com.", false, "REFUSED"), 0);
	assert_int_equal(pub_metrics_update_sent(m, "corp.example."), 0);
	assert_int_equal(pub_metrics_update_done(m, "corp.example.", false, NULL), 0);
	assert_int_equal(pub_metrics_zone_ok(m, "example.com.", 1700000000), 0);
	assert_int_equal(pub_metrics_probe(m, "kms1.example.com.", "alive", 3), 0);
	assert_int_equal(pub_metrics_probe(m, "kms1.example.com.", "alive", 40), 0);
	assert_int_equal(pub_metrics_probe(m, "kms1.example.com.", "refused", 20000), 0);
	assert_int_equal(pub_metrics_probe(m, "kms2.example.com.", "timeout", 2000), 0);
	assert_int_equal(pub_metrics_host_up(m, "kms1.example.com.", true), 0);
	assert_int_equal(pub_metrics_host_up(m, "kms2.example.com.", false), 0);
	assert_int_equal(pub_metrics_published(m, "example.com.", 1), 0);
	/* A label value that needs every escape. */
	assert_int_equal(pub_metrics_published(m, "we\"ird\\dom\nain.", 0), 0);
	return m;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void test_values(void **state)
{
	pub_metrics_t *m = sample();
	size_t len;
	char *t = pub_metrics_format(m, &len);
	assert_non_null(t);
	assert_int_equal(strlen(t), len);
	static const char *const want[] = {
	        "# TYPE kmsdns_publisher_updates_sent_total counter",
	        "kmsdns_publisher_updates_sent_total{zone=\"example.com.\"} 2",
	        "kmsdns_publisher_updates_sent_total{zone=\"corp.example.\"} 1",
	        "kmsdns_publisher_updates_succeeded_total{zone=\"example.com.\"} 1",
	        "kmsdns_publisher_updates_failed_total{zone=\"example.com.\",rcode=\"REFUSED\"} 1",
	        "kmsdns_publisher_updates_failed_total{zone=\"corp.example.\",rcode=\"none\"} 1",
	        "kmsdns_publisher_zone_last_success_timestamp_seconds{zone=\"example.com.\"} "
	        "1700000000",
	        "kmsdns_publisher_health_probes_total{host=\"kms1.example.com.\",result=\"alive\"} "
	        "2",
	        "kmsdns_publisher_health_probes_total{host=\"kms1.example.com.\",result="
	        "\"refused\"} "
	        "1",
	        "# TYPE kmsdns_publisher_health_probe_duration_seconds histogram",
	        "kmsdns_publisher_health_probe_duration_seconds_bucket{host=\"kms1.example.com.\","
	        "le=\"0.001\"} 0",
	        "kmsdns_publisher_health_probe_duration_seconds_bucket{host=\"kms1.example.com.\","
	        "le=\"0.005\"} 1",
	        "kmsdns_publisher_health_probe_duration_seconds_bucket{host=\"kms1.example.com.\","
	        "le=\"0.05\"} 2",
	        "kmsdns_publisher_health_probe_duration_seconds_bucket{host=\"kms1.example.com.\","
	        "le=\"10\"} 2",
	        "kmsdns_publisher_health_probe_duration_seconds_bucket{host=\"kms1.example.com.\","
	        "le=\"+Inf\"} 3",
	        "kmsdns_publisher_health_probe_duration_seconds_sum{host=\"kms1.example.com.\"} "
	        "20.043",
	        "kmsdns_publisher_health_probe_duration_seconds_count{host=\"kms1.example.com.\"} "
	        "3",
	        "kmsdns_publisher_health_probe_duration_seconds_bucket{host=\"kms2.example.com.\","
	        "le=\"2.5\"} 1",
	        "kmsdns_publisher_host_up{host=\"kms1.example.com.\"} 1",
	        "kmsdns_publisher_host_up{host=\"kms2.example.com.\"} 0",
	        "kmsdns_publisher_records_published{domain=\"example.com.\"} 1",
	        "kmsdns_publisher_records_published{domain=\"we\\\"ird\\\\dom\\nain.\"} 0",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!has_line(t, want[i]))
			fail_msg("missing line: %s\n--- in ---\n%s", want[i], t);
	parse_t p = parse_all(t);
	assert_int_equal(p.families, 8);
	free(t);
	pub_metrics_free(m);
}

static void test_empty_table_parses(void **state)
{
	pub_metrics_t *m = pub_metrics_new();
	char *t = pub_metrics_format(m, NULL);
	assert_non_null(t);
	parse_t p = parse_all(t);
	assert_int_equal(p.families, 8);
	assert_int_equal(p.samples, 0);
	free(t);
	pub_metrics_free(m);
}

static void test_clear_gauges(void **state)
{
	pub_metrics_t *m = sample();
	pub_metrics_clear_gauges(m);
	assert_int_equal(pub_metrics_host_up(m, "kms2.example.com.", true), 0);
	char *t = pub_metrics_format(m, NULL);
	assert_non_null(t);
	assert_null(strstr(t, "kmsdns_publisher_host_up{host=\"kms1.example.com.\"}"));
	assert_null(strstr(t, "kmsdns_publisher_records_published{"));
	assert_true(has_line(t, "kmsdns_publisher_host_up{host=\"kms2.example.com.\"} 1"));
	/* Counters survive. */
	assert_true(has_line(t, "kmsdns_publisher_updates_sent_total{zone=\"example.com.\"} 2"));
	parse_all(t);
	free(t);
	pub_metrics_free(m);
}

static void test_sorted_and_stable(void **state)
{
	pub_metrics_t *a = pub_metrics_new(), *b = pub_metrics_new();
	const char *hosts[] = {"c.example.", "a.example.", "b.example."};
	for (size_t i = 0; i < 3; i++) {
		pub_metrics_host_up(a, hosts[i], true);
		pub_metrics_host_up(b, hosts[2 - i], true);
	}
	char *ta = pub_metrics_format(a, NULL), *tb = pub_metrics_format(b, NULL);
	assert_string_equal(ta, tb);
	assert_true(strstr(ta, "a.example.") < strstr(ta, "b.example."));
	free(ta);
	free(tb);
	pub_metrics_free(a);
	pub_metrics_free(b);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

static void test_file_and_promtool(void **state)
{
	char dir[] = "/tmp/test-metrics.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], cmd[512];
	snprintf(path, sizeof(path), "%s/kmsdns.prom", dir);
	pub_metrics_t *m = sample();
	assert_int_equal(pub_metrics_write(m, path), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	char *text;
	size_t len;
	assert_int_equal(kd_file_read(path, 1 << 20, &text, &len), 0);
	parse_all(text);
	free(text);
	/* Rewritten in place; no temporary file left beside it. */
	pub_metrics_update_sent(m, "example.com.");
	assert_int_equal(pub_metrics_write(m, path), 0);
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s | wc -l) = 1", dir);
	assert_int_equal(run(cmd), 0);

	if (run("command -v promtool >/dev/null") == 0) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics <%s", path);
		assert_int_equal(run(cmd), 0);
	} else {
		const char *req = getenv("KMSDNS_REQUIRE_SERVERS");
		fprintf(stderr, "note: promtool not installed (Debian package prometheus); the "
		                "strict parser alone checked the output\n");
		assert_false(req != NULL && strcmp(req, "1") == 0);
	}
	/* A directory that does not exist: -1 with errno. */
	snprintf(cmd, sizeof(cmd), "%s/missing/kmsdns.prom", dir);
	assert_int_equal(pub_metrics_write(m, cmd), -1);
	pub_metrics_free(m);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_values),
	        cmocka_unit_test(test_empty_table_parses),
	        cmocka_unit_test(test_clear_gauges),
	        cmocka_unit_test(test_sorted_and_stable),
	        cmocka_unit_test(test_file_and_promtool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

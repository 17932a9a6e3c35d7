/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/resolvconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESOLV_MAX_BYTES (64 * 1024)

void kd_resolvconf_defaults(kd_resolvconf_t *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->ndots = 1;
	rc->timeout = 5;
	rc->attempts = 2;
	if (kd_addr_parse("127.0.0.1", 53, &rc->servers[0]) == 0)
		rc->nservers = 1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next whitespace-separated word of [*p, end) into buf (cut to len - 1); false at the end
 * of the line. */
static bool next_word(const char **p, const char *end, char *buf, size_t len)
{
	while (*p < end && is_space(**p))
		(*p)++;
	if (*p == end)
		return false;
	size_t n = 0;
	while (*p < end && !is_space(**p)) {
		if (n + 1 < len)
			buf[n++] = **p;
		(*p)++;
	}
	buf[n] = '\0';
	return true;
}

/* "name:value" with value clamped to max, as glibc does. */
static void option_number(const char *word, const char *name, unsigned max, unsigned *out)
{
	size_t l = strlen(name);
	if (strncmp(word, name, l) != 0 || word[l] != ':')
		return;
	const char *v = word + l + 1;
	unsigned long n = 0;
	for (; *v >= '0' && *v <= '9' && n <= max; v++)
		n = n * 10 + (unsigned long)(*v - '0');
	*out = n > max ? max : (unsigned)n;
}

static void parse_options(const char *p, const char *end, kd_resolvconf_t *rc)
{
	char word[64];
	while (next_word(&p, end, word, sizeof(word))) {
		option_number(word, "ndots", 15, &rc->ndots);
		option_number(word, "timeout", 30, &rc->timeout);
		option_number(word, "attempts", 5, &rc->attempts);
		if (strcmp(word, "rotate") == 0)
			rc->rotate = true;
	}
	if (rc->timeout == 0)
		rc->timeout = 1; /* glibc treats 0 as the minimum wait */
	if (rc->attempts == 0)
		rc->attempts = 1;
}

static void parse_search(const char *p, const char *end, bool domain, kd_resolvconf_t *rc)
{
	char word[KD_RESOLV_NAME_MAX];
	rc->nsearch = 0;
	rc->search_is_domain = domain;
	while (rc->nsearch < KD_RESOLV_MAXSEARCH && next_word(&p, end, word, sizeof(word))) {
		if (word[0] == '#' || word[0] == ';')
			break;
		size_t l = strlen(word);
		if (l > 1 && word[l - 1] == '.')
			word[--l] = '\0';
		memcpy(rc->search[rc->nsearch++], word, l + 1);
		if (domain)
			break; /* "domain" takes one name */
	}
}

static void parse_nameserver(const char *p, const char *end, kd_resolvconf_t *rc)
{
	char word[128];
	if (!rc->servers_listed) {
		rc->nservers = 0;
		rc->servers_listed = true;
	}
	if (rc->nservers == KD_RESOLV_MAXNS || !next_word(&p, end, word, sizeof(word)))
		return;
	if (kd_addr_parse(word, 53, &rc->servers[rc->nservers]) == 0)
		rc->nservers++;
}

void kd_resolvconf_parse(const char *text, size_t len, kd_resolvconf_t *out)
{
	kd_resolvconf_t rc;
	kd_resolvconf_defaults(&rc);
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *eol = nl != NULL ? nl : end;
		const char *p = line;
		char key[16];
		if (next_word(&p, eol, key, sizeof(key))) {
			if (strcmp(key, "nameserver") == 0)
				parse_nameserver(p, eol, &rc);
			else if (strcmp(key, "domain") == 0 || strcmp(key, "search") == 0)
				parse_search(p, eol, key[0] == 'd', &rc);
			else if (strcmp(key, "options") == 0)
				parse_options(p, eol, &rc);
		}
		line = eol + 1;
	}
	if (rc.servers_listed && rc.nservers == 0) {
		/* Only unusable nameserver lines: glibc falls back to the local server too. */
		kd_addr_parse("127.0.0.1", 53, &rc.servers[0]);
		rc.nservers = 1;
		rc.servers_listed = false;
	}
	*out = rc;
}

int kd_resolvconf_load(const char *path, kd_resolvconf_t *out)
{
	char *buf = malloc(RESOLV_MAX_BYTES);
	size_t len = 0;
	int ret = -1;
	int fd = buf != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		ssize_t r = 0;
		while (len < RESOLV_MAX_BYTES &&
		       ((r = read(fd, buf + len, RESOLV_MAX_BYTES - len)) > 0 ||
		        (r < 0 && errno == EINTR)))
			len += r > 0 ? (size_t)r : 0;
		ret = r < 0 ? -1 : 0;
		close(fd);
	}
	kd_resolvconf_parse(buf != NULL ? buf : "", ret == 0 ? len : 0, out);
	free(buf);
	const char *local = secure_getenv("LOCALDOMAIN");
	if (local != NULL)
		parse_search(local, local + strlen(local), false, out);
	const char *opts = secure_getenv("RES_OPTIONS");
	if (opts != NULL)
		parse_options(opts, opts + strlen(opts), out);
	return ret;
}

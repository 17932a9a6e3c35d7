/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Configuration checks beyond the schema: names that are not ASCII, more SRV records at one
 * name than servers and clients take, secrets readable by others, the state directory. */
#include "config.h"

#include <errno.h>
#include <idn2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/array.h"
#include "publisher/conf.h"

/* BIND 9.18.28 and later: max-records-per-type, default 100. */
#define BIND_MAX_RECORDS 100
/* One answer holds 65535 bytes: header, question, OPT and a TSIG take their part. */
#define ANSWER_MAX 65535u

static bool ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

int pub_check_name(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	if (s == NULL || ascii(s))
		return kd_check_dname(field, err, errlen);
	/* IDNA2008 done right (UTS 46 mapping, NFC, the rules per code point) is libidn2's job,
	 * not a hand-written punycode encoder's. */
	char *alabel = NULL;
	int rc = idn2_to_ascii_8z(s, &alabel, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc == IDN2_OK)
		snprintf(err, errlen,
		         "'%s' is not an ASCII domain name: write it in its A-label form %s", s,
		         alabel);
	else
		snprintf(err, errlen,
		         "'%s' is not an ASCII domain name, nor a valid internationalized one (%s)",
		         s, idn2_strerror(rc));
	idn2_free(alabel);
	return -1;
}

int pub_check_key_name(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	if (s == NULL || (kd_dname_valid(s) && strcmp(s, ".") != 0))
		return 0;
	snprintf(err, errlen,
	         "not a valid key name (not shown: values under 'keys' may be secret)");
	return -1;
}

static int warn(pub_config_t *conf, bool permissions, kd_mark_t mark, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int warn(pub_config_t *conf, bool permissions, kd_mark_t mark, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kd_error_t e;
	kd_error_set(&e, conf->path, mark, "%s", msg);
	pub_warning_t *v = kd_array_reserve(conf->warnings, &conf->warnings_cap,
	                                    conf->warnings_count + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	conf->warnings = v;
	char *text = strdup(e.msg);
	if (text == NULL)
		return -1;
	conf->warnings = v;
	v[conf->warnings_count].text = text;
	v[conf->warnings_count].permissions = permissions;
	conf->warnings_count++;
	return 0;
}

/* The wire length of a name in text (absolute or not), at most. */
static size_t wire_len(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && name[n - 1] == '.' ? n + 1 : n + 2;
}

/* The SRV RRset at each domain's name holds one record per host: what BIND refuses by
 * default, and what no answer can carry. */
static int check_srv_sizes(pub_config_t *conf, kd_error_t *err)
{
	const pub_conf_raw_t *r = &conf->raw;
	size_t per_rr = 0;
	for (size_t h = 0; h < r->hosts_count; h++)
		per_rr += 2 + 10 + 6 + wire_len(r->hosts[h].name); /* owner compressed */
	for (size_t d = 0; d < r->domains_count; d++) {
		const pub_domain_conf_t *dom = &r->domains[d];
		size_t owner = wire_len(dom->name) + 12; /* "_vlmcs._tcp." */
		/* header, question, OPT (11), a TSIG with a long key name and SHA-512 MAC */
		size_t size = 12 + owner + 4 + per_rr + 11 + 400;
		if (size > ANSWER_MAX) {
			kd_error_set(
			        err, conf->path, dom->mark,
			        "domain %s: %zu SRV records at _vlmcs._tcp.%s make an answer of "
			        "about %zu bytes, more than one DNS message holds (65535): clients "
			        "could not read the RRset; publish fewer hosts there",
			        dom->name, r->hosts_count, dom->name, size);
			return -1;
		}
		if (r->hosts_count > BIND_MAX_RECORDS &&
		    warn(conf, false, dom->mark,
		         "domain %s: %zu SRV records at _vlmcs._tcp.%s; BIND 9.18.28 and later "
		         "refuse more than max-records-per-type (default %d) records of one type "
		         "at "
		         "a name: raise it in named.conf",
		         dom->name, r->hosts_count, dom->name, BIND_MAX_RECORDS) != 0)
			return kd_fail(err, KD_ENOMEM, "%s: out of memory", conf->path);
	}
	return 0;
}

/* A warning when path is readable by group or others; what names it ("key file"), NULL for
 * the configuration file itself (the warning starts with its name). */
static int check_mode(pub_config_t *conf, const char *path, const char *what, kd_mark_t mark)
{
	struct stat st;
	if (stat(path, &st) != 0 || (st.st_mode & 077) == 0)
		return 0;
	unsigned mode = (unsigned)(st.st_mode & 07777);
	if (what == NULL)
		return warn(conf, true, mark,
		            "holds a TSIG secret and is readable by group or others (mode %04o): "
		            "run chmod 600 %s",
		            mode, path);
	return warn(conf, true, mark,
	            "%s %s is readable by group or others (mode %04o): run chmod 600 %s", what,
	            path, mode, path);
}

static int check_permissions(pub_config_t *conf, kd_error_t *err)
{
	const pub_conf_raw_t *r = &conf->raw;
	bool inline_secret = false;
	for (size_t i = 0; i < r->keys_count; i++) {
		if (r->keys[i].secret != NULL)
			inline_secret = true;
		else if (r->keys[i].file != NULL &&
		         check_mode(conf, r->keys[i].file, "key file", r->keys[i].mark) != 0)
			return kd_fail(err, KD_ENOMEM, "%s: out of memory", conf->path);
	}
	if (inline_secret && check_mode(conf, conf->path, NULL, (kd_mark_t){0, 0}) != 0)
		return kd_fail(err, KD_ENOMEM, "%s: out of memory", conf->path);
	return 0;
}

int pub_config_check_more(pub_config_t *conf, kd_error_t *err)
{
	if (check_srv_sizes(conf, err) != 0 || check_permissions(conf, err) != 0)
		return -1;
	return 0;
}

int pub_config_check_state(const pub_config_t *conf, kd_error_t *err)
{
	const char *path = conf->raw.state;
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL   ? strdup(".")
	            : slash == path ? strdup("/")
	                            : strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return kd_fail(err, KD_ENOMEM, "out of memory");
	struct stat st;
	int ret = 0;
	if (stat(dir, &st) != 0)
		ret = kd_fail(err, KD_EIO,
		              "%s: state file %s: its directory %s does not exist (%s): create it, "
		              "writable by the user kms-publisher runs as",
		              conf->path, path, dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		ret = kd_fail(err, KD_EIO, "%s: state file %s: %s is not a directory", conf->path,
		              path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		ret = kd_fail(err, KD_EIO,
		              "%s: state file %s: its directory %s is not writable (%s): records "
		              "cannot be entered there before they are published",
		              conf->path, path, dir, strerror(errno));
	free(dir);
	return ret;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/file.h"
#include "dns/strbuf.h"

#define STATE_HEADER                                                                               \
	"# kms-publisher state v1: records published by this host; zone owner ttl type rdata"

int pub_state_load(const char *path, pub_rrlist_t *out, kd_error_t *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		return kd_fail(err, KD_EIO, "failed to read state file %s (%s)", path,
		               strerror(errno));
	}
	pub_rrlist_t list = {0};
	char line[1024];
	unsigned lineno = 0;
	int ret = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			kd_fail(err, KD_EINVAL, "failed to read state file %s:%u (line too long)",
			        path, lineno);
			goto done;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char zone[PUB_NAME_MAX];
		pub_rr_t rr;
		int off = 0;
		if (sscanf(line, "%255s %n", zone, &off) != 1 ||
		    pub_rr_parse(line + off, &rr) != 0 ||
		    kd_dname_canon(zone, rr.zone, sizeof(rr.zone)) != 0 ||
		    strcmp(rr.zone, ".") == 0 || !kd_dname_in_zone(rr.owner, rr.zone)) {
			kd_fail(err, KD_EINVAL,
			        "failed to read state file %s:%u (not a state record)", path,
			        lineno);
			goto done;
		}
		if (pub_rrlist_add(&list, &rr) != 0) {
			kd_fail(err, KD_ENOMEM, "failed to read state file %s (out of memory)",
			        path);
			goto done;
		}
	}
	if (ferror(f)) {
		kd_fail(err, KD_EIO, "failed to read state file %s (%s)", path, strerror(errno));
		goto done;
	}
	for (size_t i = 0; i < list.n; i++)
		if (pub_rrlist_add(out, &list.v[i]) != 0) {
			kd_fail(err, KD_ENOMEM, "failed to read state file %s (out of memory)",
			        path);
			goto done;
		}
	ret = 0;
done:
	pub_rrlist_deinit(&list);
	fclose(f);
	return ret;
}

int pub_state_save(const char *path, const pub_rrlist_t *list, kd_error_t *err)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_printf(&sb, "%s\n", STATE_HEADER);
	for (size_t i = 0; i < list->n; i++) {
		char line[1024];
		pub_rr_str(&list->v[i], line, sizeof(line));
		kd_strbuf_printf(&sb, "%s %s\n", list->v[i].zone, line);
	}
	size_t len = 0;
	char *text = kd_strbuf_take(&sb, &len);
	if (text == NULL) {
		return kd_fail(err, KD_ENOMEM, "failed to write state file %s (out of memory)",
		               path);
	}
	/* Owner-only: it lists what this host publishes, for nobody else to edit. */
	int ret = kd_file_write_atomic(path, text, len, 0600);
	if (ret != 0)
		kd_fail(err, KD_EIO, "failed to write state file %s (%s)", path, strerror(errno));
	free(text);
	return ret;
}

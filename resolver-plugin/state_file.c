/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dns/file.h"

#define LOCK_WAIT_MS 2000

/* Whether the directory holding path could have been written by another user. */
static bool dir_untrusted(const char *path, char *why, size_t len)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return false;
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return false; /* nothing there yet: created by us */
	char reason[128];
	if (!kmsl_state_untrusted(&sb, true, reason, sizeof(reason)))
		return false;
	int w = snprintf(why, len, "directory %.*s ", 150, dir);
	if (w > 0 && (size_t)w < len)
		snprintf(why + w, len - (size_t)w, "%s", reason);
	return true;
}

int kmsl_state_load(const char *path, kmsl_statefile_t *st, char *warn, size_t wlen)
{
	char why[200];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(warn, wlen, "ignored state file %s (%s)", path, strerror(errno));
		return 1;
	}
	char *buf;
	size_t len;
	struct stat sb;
	errno = 0;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (kmsl_state_untrusted(&sb, false, why, sizeof(why)) ||
	     dir_untrusted(path, why, sizeof(why)))) {
		/* Another user could have put SRV data or dead marks here: never believe it. */
		snprintf(warn, wlen, "ignored state file %s (%s)", path, why);
		close(fd);
		return 1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    kd_file_read_fd(fd, KMSL_STATE_MAX_BYTES, &buf, &len) != 0) {
		if (errno == EFBIG)
			snprintf(warn, wlen, "ignored corrupt state file %s (file too large)",
			         path);
		else
			snprintf(warn, wlen, "ignored state file %s (%s)", path,
			         errno != 0 ? strerror(errno) : "not a regular file");
		close(fd);
		return 1;
	}
	close(fd);
	kmsl_statefile_t tmp;
	int ret = kmsl_state_parse(buf, len, &tmp, why, sizeof(why));
	free(buf);
	if (ret < 0) {
		snprintf(warn, wlen, "ignored corrupt state file %s (%s)", path, why);
		return 1;
	}
	kmsl_state_deinit(st);
	*st = tmp;
	if (ret > 0) {
		snprintf(warn, wlen, "damaged state file %s (%s)", path, why);
		return 1;
	}
	return 0;
}

/* mkdir -p for the directory part of path (the user cache directory may not exist yet). */
static int make_parent(const char *path)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -1;
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* flock with a bounded wait: a stuck process must not hang every client. */
static int lock_file(const char *path, int *fd_out)
{
	char lpath[4200];
	if (snprintf(lpath, sizeof(lpath), "%s.lock", path) >= (int)sizeof(lpath)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += 5) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= LOCK_WAIT_MS) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	*fd_out = fd;
	return 0;
}

int kmsl_state_update(const char *path, const kmsl_state_change_t *chg, int64_t now, char *warn,
                      size_t wlen)
{
	int lfd;
	char why[200];
	if (dir_untrusted(path, why, sizeof(why))) {
		snprintf(warn, wlen, "failed to write state file %s (%s)", path, why);
		return 1;
	}
	if (make_parent(path) != 0 || lock_file(path, &lfd) != 0) {
		snprintf(warn, wlen, "failed to lock state file %s (%s)", path, strerror(errno));
		return 1;
	}
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	char lwarn[256] = "";
	/* A corrupt file is replaced by a fresh one built from this run alone. */
	(void)kmsl_state_load(path, &st, lwarn, sizeof(lwarn));
	char *text = NULL;
	int ret = 0;
	if (kmsl_state_apply(&st, chg, now) != 0 || kmsl_state_format(&st, &text) != 0) {
		snprintf(warn, wlen, "failed to write state file %s (out of memory)", path);
		ret = 1;
	} else if (kd_file_write_atomic(path, text, strlen(text), 0644) != 0) {
		snprintf(warn, wlen, "failed to write state file %s (%s)", path, strerror(errno));
		ret = 1;
	} else if (lwarn[0] != '\0') {
		snprintf(warn, wlen, "%s; rewritten", lwarn);
		ret = 1;
	}
	free(text);
	kmsl_state_deinit(&st);
	close(lfd); /* releases the lock */
	return ret;
}

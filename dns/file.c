/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/array.h"

#define FIRST_READ 4096

int kd_file_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	/* Read to EOF rather than trust st_size (pipes, files that grow), one byte past max at
	 * most so that a longer file is noticed. */
	size_t cap = 0, used = 0;
	size_t want = S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : FIRST_READ;
	char *data = kd_array_reserve(NULL, &cap, want, 1);
	if (data == NULL)
		return -1;
	for (;;) {
		if (used + 1 == cap) {
			char *bigger = kd_array_reserve(data, &cap, cap + 1, 1);
			if (bigger == NULL)
				goto fail;
			data = bigger;
		}
		size_t room = cap - 1 - used;
		if (room > max + 1 - used)
			room = max + 1 - used;
		ssize_t r = read(fd, data + used, room);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		used += (size_t)r;
		if (used > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	return 0;
fail:;
	int saved = errno;
	free(data);
	errno = saved;
	return -1;
}

int kd_file_read(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ret = kd_file_read_fd(fd, max, buf, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

int kd_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0) {
		errno = ENOMEM;
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;
		free(tmp);
		errno = saved;
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int saved = errno;
		unlink(tmp);
		free(tmp);
		errno = saved;
		return -1;
	}
	free(tmp);
	sync_dir(path);
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole files: read one into memory, replace one atomically. libknot-free. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The most a configuration or key file may hold. */
#define KD_FILE_CONF_MAX (1024 * 1024)

/* Read the file open at fd to its end (at most max bytes) into a heap buffer with a terminating
 * NUL byte not counted in *len. Returns 0, or -1 with errno set (EISDIR for a directory, EFBIG
 * when it holds more than max bytes); outputs untouched on failure. fd stays open. */
int kd_file_read_fd(int fd, size_t max, char **buf, size_t *len);

/* The same for path (opened read-only). */
int kd_file_read(const char *path, size_t max, char **buf, size_t *len);

/* Replace path with len bytes of data so that readers see the old file or the new one, never a
 * part: a temporary file in the same directory created with mode (exactly, whatever the umask),
 * written and fsynced, renamed over path, then the directory fsynced (best effort: the rename
 * has happened). Returns 0, or -1 with errno set and the temporary file removed. */
int kd_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tests/fake/fake-kms-spawn.h"

#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READY_DEADLINE_MS 10000
#define READY_POLL_MS     5

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int read_port(const char *path, uint16_t *port)
{
	FILE *fp = fopen(path, "r");
	unsigned p = 0;
	int ok = fp != NULL && fscanf(fp, "%u", &p) == 1 && p > 0 && p < 65536;
	if (fp != NULL)
		fclose(fp);
	if (ok)
		*port = (uint16_t)p;
	return ok ? 0 : -1;
}

pid_t fake_kms_start(const char *prog, const char *addr, const char *mode, uint16_t *port_out)
{
	char dir[] = "/tmp/fake-kms.XXXXXX";
	if (mkdtemp(dir) == NULL)
		return -1;
	char ready[64], listen[80];
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	snprintf(listen, sizeof(listen), "%s:0", addr);
	pid_t pid = fork();
	if (pid == 0) {
		/* Die with the test even when it crashes (a sanitizer abort skips its teardown). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(prog, prog, "--listen", listen, "--mode", mode, "--ready-file", ready,
		      (char *)NULL);
		_exit(127);
	}
	uint16_t port = 0;
	int rc = -1;
	/* Poll for the ready file with a deadline; a child that died is not waited for. */
	for (uint64_t end = mono_ms() + READY_DEADLINE_MS; pid > 0 && mono_ms() < end;) {
		if ((rc = read_port(ready, &port)) == 0)
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		nanosleep(&(struct timespec){.tv_nsec = READY_POLL_MS * 1000000L}, NULL);
	}
	unlink(ready);
	rmdir(dir);
	if (pid > 0 && rc != 0) {
		fake_kms_stop(pid);
		pid = -1;
	}
	if (pid > 0)
		*port_out = port;
	return pid;
}

int fake_kms_stop(pid_t pid)
{
	int status;
	if (pid <= 0 || kill(pid, SIGTERM) < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

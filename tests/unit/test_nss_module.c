/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The built libnss_kms.so.2, dlopen()ed as glibc does: every entry point with buffers from 1
 * byte up at every alignment (TRYAGAIN + ERANGE + NETDB_INTERNAL until the answer fits, then
 * success, nothing written outside the buffer: the sanitizer build and valgrind watch), names
 * not served, reverse lookups, 16 threads at once, fork() while other threads look up, and a
 * broken configuration (in a child process: the configuration is read once per process).
 *
 * The answer comes from the state file's SRV cache (no DNS): live.example.test (a fake KMS
 * host on 127.0.0.1 and ::1) at priority 0, refused.example.test at priority 0 marked dead,
 * backup.example.test at priority 10 (never probed: the live host wins first), and
 * other.example.test on another port. The main process caches the answer (probe-cache 60s);
 * the stress run (threads and fork, in a process of its own) has probe-cache 0, so every
 * lookup there goes through a refresh: the worker thread, the condition variable, a real
 * probe and a state file update. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/fake/fake-kms-spawn.h"

#define NTHREADS 16
#define LOOKUPS  40 /* per thread */
#define NFORKS   8
#define MAXBUF   2048
#define WATCHDOG 300 /* seconds: a hang fails the test instead of blocking make check */

typedef enum nss_status (*byname4_fn)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                      int *, int32_t *);
typedef enum nss_status (*byname3_fn)(const char *, int, struct hostent *, char *, size_t, int *,
                                      int *, int32_t *, char **);
typedef enum nss_status (*byname2_fn)(const char *, int, struct hostent *, char *, size_t, int *,
                                      int *);
typedef enum nss_status (*byname_fn)(const char *, struct hostent *, char *, size_t, int *, int *);
typedef enum nss_status (*byaddr2_fn)(const void *, socklen_t, int, struct hostent *, char *,
                                      size_t, int *, int *, int32_t *);
typedef enum nss_status (*byaddr_fn)(const void *, socklen_t, int, struct hostent *, char *, size_t,
                                     int *, int *);

static struct {
	void *dl;
	byname4_fn byname4;
	byname3_fn byname3;
	byname2_fn byname2;
	byname_fn byname;
	byaddr2_fn byaddr2;
	byaddr_fn byaddr;
} M;

static char dir[] = "/tmp/kmsdns-nss.XXXXXX";
static char self[4096]; /* this program (valgrind answers readlink, not execve, of /proc/self) */
static pid_t live_pid = -1;
static uint16_t port;

static void load_module(void)
{
	M.dl = dlopen(NSS_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (M.dl == NULL)
		fail_msg("failed to load %s (%s)", NSS_MODULE, dlerror());
	M.byname4 = (byname4_fn)dlsym(M.dl, "_nss_kms_gethostbyname4_r");
	M.byname3 = (byname3_fn)dlsym(M.dl, "_nss_kms_gethostbyname3_r");
	M.byname2 = (byname2_fn)dlsym(M.dl, "_nss_kms_gethostbyname2_r");
	M.byname = (byname_fn)dlsym(M.dl, "_nss_kms_gethostbyname_r");
	M.byaddr2 = (byaddr2_fn)dlsym(M.dl, "_nss_kms_gethostbyaddr2_r");
	M.byaddr = (byaddr_fn)dlsym(M.dl, "_nss_kms_gethostbyaddr_r");
	assert_non_null(M.byname4);
	assert_non_null(M.byname3);
	assert_non_null(M.byname2);
	assert_non_null(M.byname);
	assert_non_null(M.byaddr2);
	assert_non_null(M.byaddr);
	assert_null(dlsym(M.dl, "kmsl_ctx_new")); /* the library copy inside stays hidden */
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void write_config(const char *name, const char *probe_cache)
{
	char path[256], yaml[1024], state[256], st[1024];
	snprintf(state, sizeof(state), "%s/state", dir);
	long long now = (long long)time(NULL);
	/* Expiry times within the bounds the state file trusts (max-cache-ttl 1h, dead-retry). */
	long long exp = now + 1800;
	snprintf(st, sizeof(st),
	         "kmsdns-locate-state 2\n"
	         "dead refused.example.test %u %lld\n"
	         "srv example.test %lld 0 0 %u refused.example.test %lld 127.0.0.2\n"
	         "srv example.test %lld 0 0 %u live.example.test %lld 127.0.0.1 ::1\n"
	         "srv example.test %lld 10 0 %u backup.example.test %lld 127.0.0.4\n"
	         "srv example.test %lld 0 0 %u other.example.test %lld 127.0.0.5\n"
	         "end\n",
	         port, exp, exp, port, exp, exp, port, exp, exp, port, exp, exp,
	         (unsigned)(port + 1), exp);
	write_file(state, st);
	snprintf(yaml, sizeof(yaml),
	         "domains:\n  - name: example.test\n"
	         "servers: ['127.0.0.1@9']\n"
	         "attempt-delay: 10ms\ntimeout: 5s\ndead-retry: 1d\n"
	         "state: %s\n"
	         "nss:\n  names: [kms, _vlmcs._tcp]\n  port: %u\n  probe-cache: %s\n"
	         "  deadline: 30s\n",
	         state, port, probe_cache);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, yaml);
	setenv("KMSDNS_NSS_CONFIG", path, 1);
}

static int setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	live_pid = fake_kms_start(FAKE_KMS, "127.0.0.1", "ack", &port);
	if (live_pid < 0)
		return -1;
	write_config("nss.yaml", "60s");
	load_module();
	return 0;
}

static int teardown(void **state)
{
	if (live_pid > 0)
		fake_kms_stop(live_pid);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A heap buffer of exactly len bytes after off bytes of misalignment: ASan and valgrind see
 * any write past its end. */
static char *buf_new(size_t len, size_t off, char **base)
{
	*base = malloc(len + off);
	assert_non_null(*base);
	memset(*base, 0x5a, len + off);
	return *base + off;
}

static bool inside(const void *p, const char *buf, size_t len)
{
	return (const char *)p >= buf && (const char *)p < buf + len;
}

static const char *ip(int af, const void *addr, char *out)
{
	return inet_ntop(af, addr, out, INET6_ADDRSTRLEN);
}

/* The expected answer in order: the live host's addresses, then the backup's. */
static const char *const want_all[] = {"127.0.0.1", "::1", "127.0.0.4"};

static void check_tuples(const struct gaih_addrtuple *t, const char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	assert_non_null(t->name);
	assert_string_equal(t->name, "live.example.test");
	for (; t != NULL; t = t->next, n++) {
		assert_true(n < 3);
		assert_true(t->next == NULL || inside(t->next, buf, len));
		assert_true((uintptr_t)t % _Alignof(struct gaih_addrtuple) == 0);
		assert_string_equal(ip(t->family, t->addr, a), want_all[n]);
		assert_true(n == 0 || t->name == NULL);
	}
	assert_int_equal(n, 3);
}

static void check_hostent(const struct hostent *h, int af, const char *asked, const char *buf,
                          size_t len)
{
	char a[INET6_ADDRSTRLEN];
	assert_true(inside(h->h_name, buf, len));
	assert_string_equal(h->h_name, "live.example.test");
	assert_int_equal(h->h_addrtype, af);
	assert_int_equal(h->h_length, af == AF_INET ? 4 : 16);
	assert_true(inside(h->h_aliases, buf, len));
	assert_non_null(h->h_aliases[0]);
	assert_string_equal(h->h_aliases[0], asked);
	assert_null(h->h_aliases[1]);
	size_t n = 0;
	for (; h->h_addr_list[n] != NULL; n++) {
		assert_true(inside(h->h_addr_list[n], buf, len));
		ip(af, h->h_addr_list[n], a);
		if (af == AF_INET)
			assert_string_equal(a, n == 0 ? "127.0.0.1" : "127.0.0.4");
		else
			assert_string_equal(a, "::1");
	}
	assert_int_equal(n, af == AF_INET ? 2 : 1);
}

typedef enum { E4, E3_V4, E3_V6, E2_V4, E2_V6, E1 } entry_t;

/* Call one entry point; on success check the answer. */
static enum nss_status call(entry_t e, const char *name, char *buf, size_t len, int *err, int *herr)
{
	struct hostent h;
	struct gaih_addrtuple *pat = NULL;
	int32_t ttl = -1;
	char *canon = NULL;
	enum nss_status s;
	int af = (e == E3_V6 || e == E2_V6) ? AF_INET6 : AF_INET;
	memset(&h, 0, sizeof(h));
	switch (e) {
	case E4: s = M.byname4(name, &pat, buf, len, err, herr, &ttl); break;
	case E3_V4:
	case E3_V6: s = M.byname3(name, af, &h, buf, len, err, herr, &ttl, &canon); break;
	case E2_V4:
	case E2_V6: s = M.byname2(name, af, &h, buf, len, err, herr); break;
	case E1: s = M.byname(name, &h, buf, len, err, herr); break;
	default: s = NSS_STATUS_UNAVAIL; break;
	}
	if (s != NSS_STATUS_SUCCESS) {
		assert_null(pat);
		assert_null(canon);
		assert_null(h.h_name);
		return s;
	}
	if (e == E4) {
		assert_true(inside(pat, buf, len));
		check_tuples(pat, buf, len);
		assert_true(ttl >= 0);
	} else {
		check_hostent(&h, af, name, buf, len);
		if (e == E3_V4 || e == E3_V6) {
			assert_ptr_equal(canon, h.h_name);
			assert_true(ttl >= 0);
		}
	}
	return s;
}

/* Buffers from 1 byte up, each of the 8 alignments: ERANGE until the answer fits, then success
 * for every larger buffer. */
static void sizes(entry_t e, const char *name)
{
	for (size_t off = 0; off < 8; off++) {
		size_t first_ok = 0;
		for (size_t len = 1; len <= MAXBUF && (first_ok == 0 || len < first_ok + 48);
		     len++) {
			char *base, *buf = buf_new(len, off, &base);
			int err = 0, herr = 0;
			enum nss_status s = call(e, name, buf, len, &err, &herr);
			free(base);
			if (s == NSS_STATUS_SUCCESS) {
				if (first_ok == 0)
					first_ok = len;
				continue;
			}
			if (first_ok != 0)
				fail_msg("entry %d: failed with %zu bytes after success with %zu",
				         e, len, first_ok);
			assert_int_equal(s, NSS_STATUS_TRYAGAIN);
			assert_int_equal(err, ERANGE);
			assert_int_equal(herr, NETDB_INTERNAL);
		}
		if (first_ok == 0)
			fail_msg("entry %d: no success up to %d bytes", e, MAXBUF);
		assert_true(first_ok > 1); /* the ERANGE path was taken */
	}
}

static void test_byname4(void **state)
{
	sizes(E4, "kms");
	sizes(E4, "_VLMCS._tcp.");
}

static void test_byname3(void **state)
{
	sizes(E3_V4, "kms");
	sizes(E3_V6, "_vlmcs._tcp");
}

static void test_byname2_and_byname(void **state)
{
	sizes(E2_V4, "KMS");
	sizes(E2_V6, "kms.");
	sizes(E1, "_vlmcs._tcp");
}

/* nscd hands in a first tuple of its own: it is filled in, the rest stays in the buffer. */
static void test_byname4_caller_tuple(void **state)
{
	char buf[1024];
	struct gaih_addrtuple mine, *pat = &mine;
	int err = 0, herr = 0;
	memset(&mine, 0, sizeof(mine));
	assert_int_equal(M.byname4("kms", &pat, buf, sizeof(buf), &err, &herr, NULL),
	                 NSS_STATUS_SUCCESS);
	assert_ptr_equal(pat, &mine);
	check_tuples(&mine, buf, sizeof(buf));
}

static void test_not_served(void **state)
{
	const char *names[] = {"www.example.test", "kmsx", "live.example.test", "", "kms..", "."};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (entry_t e = E4; e <= E1; e++) {
			char buf[512];
			int err = 0, herr = 0;
			assert_int_equal(call(e, names[i], buf, sizeof(buf), &err, &herr),
			                 NSS_STATUS_NOTFOUND);
			assert_int_equal(err, ENOENT);
			assert_int_equal(herr, HOST_NOT_FOUND);
		}
	}
	/* A family the module does not know. */
	struct hostent h;
	char buf[512];
	int err = 0, herr = 0;
	assert_int_equal(M.byname3("kms", AF_UNIX, &h, buf, sizeof(buf), &err, &herr, NULL, NULL),
	                 NSS_STATUS_UNAVAIL);
	assert_int_equal(err, EAFNOSUPPORT);
}

static void test_byaddr(void **state)
{
	struct in_addr a4 = {htonl(0x7f000001)};
	struct in6_addr a6 = IN6ADDR_LOOPBACK_INIT;
	struct hostent h;
	char buf[512];
	for (size_t len = 1; len < sizeof(buf); len *= 2) {
		int err = 0, herr = 0;
		assert_int_equal(M.byaddr(&a4, sizeof(a4), AF_INET, &h, buf, len, &err, &herr),
		                 NSS_STATUS_NOTFOUND);
		assert_int_equal(herr, HOST_NOT_FOUND);
		assert_int_equal(
		        M.byaddr2(&a6, sizeof(a6), AF_INET6, &h, buf, len, &err, &herr, NULL),
		        NSS_STATUS_NOTFOUND);
		assert_int_equal(err, ENOENT);
	}
}

typedef struct {
	unsigned seed;
	pthread_barrier_t *start;
	char fail[256];
} worker_t;

/* What glibc does: start small, double on ERANGE. Records the first problem in w->fail. */
static void *worker(void *arg)
{
	worker_t *w = arg;
	pthread_barrier_wait(w->start);
	for (int i = 0; i < LOOKUPS && w->fail[0] == '\0'; i++) {
		entry_t e = (entry_t)(rand_r(&w->seed) % 6);
		const char *name = (rand_r(&w->seed) % 4 == 0) ? "not-served.test" : "kms";
		size_t len = 1 + rand_r(&w->seed) % 64;
		for (int tries = 0; tries < 16; tries++, len *= 2) {
			char *base, *buf = buf_new(len, (size_t)(rand_r(&w->seed) % 8), &base);
			int err = 0, herr = 0;
			struct gaih_addrtuple *pat = NULL;
			struct hostent h;
			enum nss_status s;
			if (e == E4)
				s = M.byname4(name, &pat, buf, len, &err, &herr, NULL);
			else
				s = M.byname2(name, (e == E3_V6 || e == E2_V6) ? AF_INET6 : AF_INET,
				              &h, buf, len, &err, &herr);
			char a[INET6_ADDRSTRLEN] = "";
			if (s == NSS_STATUS_SUCCESS)
				ip(e == E4 ? pat->family : h.h_addrtype,
				   e == E4 ? (const void *)pat->addr : h.h_addr_list[0], a);
			free(base);
			if (s == NSS_STATUS_TRYAGAIN && err == ERANGE && herr == NETDB_INTERNAL)
				continue;
			bool v6 = e == E3_V6 || e == E2_V6;
			if (name[0] == 'n' && s != NSS_STATUS_NOTFOUND)
				snprintf(w->fail, sizeof(w->fail), "%s: status %d", name, s);
			else if (name[0] == 'k' && s != NSS_STATUS_SUCCESS)
				snprintf(w->fail, sizeof(w->fail),
				         "kms entry %d: status %d errno %d", e, s, err);
			else if (name[0] == 'k' && strcmp(a, v6 ? "::1" : "127.0.0.1") != 0)
				snprintf(w->fail, sizeof(w->fail), "kms entry %d: first address %s",
				         e, a);
			break;
		}
	}
	return NULL;
}

static void run_threads(void)
{
	pthread_t t[NTHREADS];
	worker_t w[NTHREADS];
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].seed = 1234u + (unsigned)i;
		w[i].start = &start;
		assert_int_equal(pthread_create(&t[i], NULL, worker, &w[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], NULL);
		if (w[i].fail[0] != '\0')
			fail_msg("thread %d: %s", i, w[i].fail);
	}
	pthread_barrier_destroy(&start);
}

static void test_threads(void **state)
{
	run_threads();
}

/* fork() while 16 threads look up: each child looks up at once and must get the answer (it
 * inherits no held lock and waits for no worker that only the parent has). */
static void *forker(void *arg)
{
	int *bad = arg;
	for (int i = 0; i < NFORKS; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(WATCHDOG);
			char buf[1024];
			struct gaih_addrtuple *pat = NULL;
			int err = 0, herr = 0;
			enum nss_status s =
			        M.byname4("kms", &pat, buf, sizeof(buf), &err, &herr, NULL);
			if (s != NSS_STATUS_SUCCESS)
				fprintf(stderr, "forked child: status %d errno %d h_errno %d\n", s,
				        err, herr);
			/* exec rather than exit: under valgrind a forked child's exit would report
			 * the blocks of the parent's other threads as lost. */
			const char *prog = s == NSS_STATUS_SUCCESS ? "/bin/true" : "/bin/false";
			execl(prog, prog, (char *)NULL);
			_exit(s == NSS_STATUS_SUCCESS ? 0 : 3);
		}
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0) {
			fprintf(stderr, "forked child: status 0x%x\n", (unsigned)st);
			(*bad)++;
		}
	}
	return NULL;
}

static void test_fork(void **state)
{
	int bad = 0;
	pthread_t f;
	assert_int_equal(pthread_create(&f, NULL, forker, &bad), 0);
	run_threads();
	pthread_join(f, NULL);
	assert_int_equal(bad, 0);
}

/* Run this test program again as MODE with KMSDNS_NSS_CONFIG=config: a fresh process reads
 * the configuration anew. */
static void run_child(const char *mode, const char *config)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, config);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("KMSDNS_NSS_CONFIG", path, 1);
		execl(self, self, mode, (char *)NULL);
		_exit(99);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Threads and fork again with probe-cache 0: every lookup refreshes. */
static void test_refresh_stress(void **state)
{
	write_config("stress.yaml", "0");
	run_child("--stress", "stress.yaml");
}

/* A configuration that cannot be read: the default name answers UNAVAIL, others NOTFOUND. A
 * fresh process (exec of this test) because the configuration is read once per process. */
static void test_broken_config(void **state)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/broken.yaml", dir);
	write_file(path, "nss: [\n");
	run_child("--broken", "broken.yaml");
}

static int broken_child(void)
{
	M.dl = dlopen(NSS_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (M.dl == NULL)
		return 10;
	M.byname4 = (byname4_fn)dlsym(M.dl, "_nss_kms_gethostbyname4_r");
	char buf[512];
	struct gaih_addrtuple *pat = NULL;
	int err = 0, herr = 0;
	if (M.byname4("_vlmcs._tcp", &pat, buf, sizeof(buf), &err, &herr, NULL) !=
	            NSS_STATUS_UNAVAIL ||
	    herr != NO_RECOVERY || pat != NULL)
		return 11;
	if (M.byname4("www.example.test", &pat, buf, sizeof(buf), &err, &herr, NULL) !=
	            NSS_STATUS_NOTFOUND ||
	    herr != HOST_NOT_FOUND)
		return 12;
	return 0;
}

/* The front (libnss_kms.so.2) loads the implementation for served names only: a lookup of any
 * other name leaves it unloaded; a served one loads it. Run in a fresh process. */
static void write_light(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/light.yaml", dir);
	write_file(path, "static: 127.0.0.9\nprobe: none\nstate: none\nnss:\n  names: [kms]\n");
}

static void test_front_light(void **state)
{
	write_light();
	run_child("--light", "light.yaml");
}

static int light_child(void)
{
	M.dl = dlopen(NSS_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (M.dl == NULL)
		return 10;
	M.byname4 = (byname4_fn)dlsym(M.dl, "_nss_kms_gethostbyname4_r");
	M.byname3 = (byname3_fn)dlsym(M.dl, "_nss_kms_gethostbyname3_r");
	char buf[512];
	struct gaih_addrtuple *pat = NULL;
	struct hostent h;
	int err = 0, herr = 0;
	if (M.byname4("www.example.test", &pat, buf, sizeof(buf), &err, &herr, NULL) !=
	            NSS_STATUS_NOTFOUND ||
	    herr != HOST_NOT_FOUND || err != ENOENT)
		return 11;
	if (M.byname3("other", AF_INET, &h, buf, sizeof(buf), &err, &herr, NULL, NULL) !=
	    NSS_STATUS_NOTFOUND)
		return 12;
	if (dlopen(NSS_IMPL, RTLD_NOW | RTLD_NOLOAD) != NULL)
		return 13; /* loaded for a name it does not serve */
	/* A served name (static host, no probe): the implementation answers. */
	if (M.byname4("kms", &pat, buf, sizeof(buf), &err, &herr, NULL) != NSS_STATUS_SUCCESS ||
	    pat == NULL || pat->family != AF_INET)
		return 14;
	if (dlopen(NSS_IMPL, RTLD_NOW | RTLD_NOLOAD) == NULL)
		return 15;
	return 0;
}

static void test_front_no_impl(void **state)
{
	write_light();
	setenv("KMSDNS_NSS_IMPL", "/nonexistent/libnss_kms_impl.so", 1);
	run_child("--noimpl", "light.yaml");
	setenv("KMSDNS_NSS_IMPL", NSS_IMPL, 1);
}

/* No implementation to be loaded: served names UNAVAIL, every other name still NOTFOUND. */
static int noimpl_child(void)
{
	M.dl = dlopen(NSS_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (M.dl == NULL)
		return 10;
	M.byname4 = (byname4_fn)dlsym(M.dl, "_nss_kms_gethostbyname4_r");
	char buf[512];
	struct gaih_addrtuple *pat = NULL;
	int err = 0, herr = 0;
	if (M.byname4("kms", &pat, buf, sizeof(buf), &err, &herr, NULL) != NSS_STATUS_UNAVAIL ||
	    herr != NO_RECOVERY || err != ENOENT || pat != NULL)
		return 11;
	if (M.byname4("www.example.test", &pat, buf, sizeof(buf), &err, &herr, NULL) !=
	            NSS_STATUS_NOTFOUND ||
	    herr != HOST_NOT_FOUND)
		return 12;
	return 0;
}

static int stress_setup(void **state)
{
	load_module();
	return 0;
}

int main(int argc, char **argv)
{
	alarm(WATCHDOG);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	/* The implementation the front loads: the build tree's (children inherit it). */
	setenv("KMSDNS_NSS_IMPL", NSS_IMPL, 0);
	if (argc > 1 && strcmp(argv[1], "--broken") == 0)
		return broken_child();
	if (argc > 1 && strcmp(argv[1], "--light") == 0)
		return light_child();
	if (argc > 1 && strcmp(argv[1], "--noimpl") == 0)
		return noimpl_child();
	if (argc > 1 && strcmp(argv[1], "--stress") == 0) {
		const struct CMUnitTest stress[] = {
		        cmocka_unit_test(test_threads),
		        cmocka_unit_test(test_fork),
		};
		return cmocka_run_group_tests_name("refresh stress (probe-cache 0)", stress,
		                                   stress_setup, NULL);
	}
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_not_served),
	        cmocka_unit_test(test_byaddr),
	        cmocka_unit_test(test_byname4),
	        cmocka_unit_test(test_byname3),
	        cmocka_unit_test(test_byname2_and_byname),
	        cmocka_unit_test(test_byname4_caller_tuple),
	        cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_fork),
	        cmocka_unit_test(test_refresh_stress),
	        cmocka_unit_test(test_broken_config),
	        cmocka_unit_test(test_front_light),
	        cmocka_unit_test(test_front_no_impl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

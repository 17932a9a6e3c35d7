/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/log.h"
#include "resolver-plugin/cli.h"

#define DEFAULT_CONFIG SYSCONFDIR "/kmsdns/locate.yaml"

static void usage(FILE *f)
{
	fprintf(f, "usage: kms-locate [-c FILE] [-d DOMAIN]... [-s SERVER[@PORT]]... "
	           "[--static HOST[:PORT]]\n"
	           "                  [--all] [--json] [--probe rpc|tcp|none] [--seed N]\n"
	           "                  [--state FILE | --no-state] [-v] [-h] [--version]\n");
}

static void help(void)
{
	usage(stdout);
	fputs("Find a live Windows KMS activation host through DNS SRV records.\n"
	      "  -c, --config FILE        configuration (default " DEFAULT_CONFIG ")\n"
	      "  -d, --domain DOMAIN      search this suffix; repeat for a list, in order\n"
	      "  -s, --server ADDR[@PORT] DNS server to ask (IPv6 may carry %zone); repeat\n"
	      "      --static HOST[:PORT] use this host only, no SRV discovery\n"
	      "      --all                print every candidate in order, probe none\n"
	      "      --json               print a JSON object (on every exit)\n"
	      "      --probe rpc|tcp|none how a host proves it is alive (default rpc)\n"
	      "      --seed N             seed the random order (decimal), for reproducible runs\n"
	      "      --state FILE         use this state file\n"
	      "      --no-state           use no state file\n"
	      "  -v, --verbose            each suffix's and each host's result on stderr\n"
	      "  -h, --help               this help\n"
	      "      --version            print the version and exit\n"
	      "Exit: 0 a host answered, 1 no host answered, 2 bad usage, 3 no records.\n",
	      stdout);
}

enum {
	OPT_STATIC = 256,
	OPT_ALL,
	OPT_JSON,
	OPT_PROBE,
	OPT_SEED,
	OPT_STATE,
	OPT_NO_STATE,
	OPT_VERSION
};

static const struct option long_opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"domain", required_argument, NULL, 'd'},
        {"server", required_argument, NULL, 's'},
        {"static", required_argument, NULL, OPT_STATIC},
        {"all", no_argument, NULL, OPT_ALL},
        {"json", no_argument, NULL, OPT_JSON},
        {"probe", required_argument, NULL, OPT_PROBE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"state", required_argument, NULL, OPT_STATE},
        {"no-state", no_argument, NULL, OPT_NO_STATE},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/* The command line, collected first so it can be applied over the configuration file. */
typedef struct {
	const char *config;
	const char **domains;
	size_t ndomains;
	const char **servers;
	size_t nservers;
	const char *static_host;
	const char *probe;
	const char *seed;
	const char *state;
	bool no_state;
} args_t;

static int parse(int argc, char **argv, cli_t *cli, args_t *a)
{
	int c;
	while ((c = getopt_long(argc, argv, "c:d:s:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 'd': a->domains[a->ndomains++] = optarg; break;
		case 's': a->servers[a->nservers++] = optarg; break;
		case 'v': cli->verbose = true; break;
		case 'h': help(); exit(0);
		case OPT_VERSION: printf("kms-locate %s\n", PACKAGE_VERSION); exit(0);
		case OPT_STATIC: a->static_host = optarg; break;
		case OPT_ALL: cli->all = true; break;
		case OPT_JSON: cli->json = true; break;
		case OPT_PROBE: a->probe = optarg; break;
		case OPT_SEED: a->seed = optarg; break;
		case OPT_STATE: a->state = optarg; break;
		case OPT_NO_STATE: a->no_state = true; break;
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		log_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (a->state != NULL && a->no_state) {
		log_err("--state and --no-state exclude each other");
		return -1;
	}
	return 0;
}

static int set_probe(kmsl_ctx_t *ctx, const char *name)
{
	static const struct {
		const char *name;
		kmsl_probe_t p;
	} probes[] = {
	        {"rpc", KMSL_PROBE_RPC},
	        {"tcp", KMSL_PROBE_TCP},
	        {"none", KMSL_PROBE_NONE},
	};
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(name, probes[i].name) == 0)
			return kmsl_set_probe(ctx, probes[i].p) == KMSL_OK ? 0 : -1;
	log_err("invalid --probe '%s' (rpc, tcp or none)", name);
	return -1;
}

/* Decimal digits only: strtoull alone would take "0x10", "010" (as 10), " 5" and "-1". The
 * core's kd_num_parse is not part of libkmslocate's API, and kms-locate links only that. */
static int set_seed(kmsl_ctx_t *ctx, const char *text)
{
	errno = 0;
	unsigned long long v = text[0] != '\0' && text[strspn(text, "0123456789")] == '\0'
	                               ? strtoull(text, NULL, 10)
	                               : 0;
	if (text[0] == '\0' || text[strspn(text, "0123456789")] != '\0' || errno != 0) {
		log_err("invalid --seed '%s' (a decimal number)", text);
		return -1;
	}
	kmsl_set_seed(ctx, (uint64_t)v);
	return 0;
}

static int load_config(kmsl_ctx_t *ctx, const char *path)
{
	char err[600];
	if (path == NULL) {
		if (access(DEFAULT_CONFIG, F_OK) != 0)
			return 0; /* the default file is optional */
		path = DEFAULT_CONFIG;
	}
	kmsl_err_t r = kmsl_ctx_load_config(ctx, path, err, sizeof(err));
	if (r != KMSL_OK) {
		log_err("failed to load configuration (%s)",
		        r == KMSL_ECONFIG ? err : kmsl_strerror(r));
		return -1;
	}
	return 0;
}

/* Command-line options replace what the file says. */
static int apply(kmsl_ctx_t *ctx, const args_t *a)
{
	if (load_config(ctx, a->config) != 0)
		return -1;
	if (a->ndomains > 0) {
		/* -d asks for discovery: the file's static host and lookup-domain give way. */
		kmsl_clear_domains(ctx);
		kmsl_set_lookup_domain(ctx, NULL);
		kmsl_set_static(ctx, NULL);
		for (size_t i = 0; i < a->ndomains; i++) {
			if (kmsl_add_domain(ctx, a->domains[i], NULL) != KMSL_OK) {
				log_err("invalid domain '%s'", a->domains[i]);
				return -1;
			}
		}
	}
	if (a->nservers > 0) {
		kmsl_clear_servers(ctx);
		for (size_t i = 0; i < a->nservers; i++) {
			if (kmsl_add_server(ctx, a->servers[i]) != KMSL_OK) {
				log_err("invalid server '%s' (address[@port])", a->servers[i]);
				return -1;
			}
		}
	}
	if (a->static_host != NULL && kmsl_set_static(ctx, a->static_host) != KMSL_OK) {
		log_err("invalid --static '%s' (host[:port])", a->static_host);
		return -1;
	}
	if ((a->probe != NULL && set_probe(ctx, a->probe) != 0) ||
	    (a->seed != NULL && set_seed(ctx, a->seed) != 0))
		return -1;
	if ((a->state != NULL || a->no_state) && kmsl_set_state_path(ctx, a->state) != KMSL_OK) {
		log_err("invalid --state '%s'", a->state);
		return -1;
	}
	return 0;
}

int cli_setup(int argc, char **argv, cli_t *cli, kmsl_ctx_t **ctx_out)
{
	memset(cli, 0, sizeof(*cli));
	args_t a = {0};
	/* At most argc of each repeated option. */
	a.domains = calloc((size_t)argc, sizeof(*a.domains));
	a.servers = calloc((size_t)argc, sizeof(*a.servers));
	kmsl_ctx_t *ctx = NULL;
	int ret = CLI_USAGE;
	if (a.domains == NULL || a.servers == NULL) {
		log_err("out of memory");
		goto out;
	}
	if (parse(argc, argv, cli, &a) != 0)
		goto out;
	if (cli->verbose)
		kd_log_init("kms-locate", KD_LOG_DEBUG);
	kmsl_err_t r = kmsl_ctx_new(&ctx);
	if (r != KMSL_OK) {
		log_err("failed to create context (%s)", kmsl_strerror(r));
		goto out;
	}
	if (apply(ctx, &a) != 0) {
		kmsl_ctx_free(ctx);
		goto out;
	}
	*ctx_out = ctx;
	ret = CLI_OK;
out:
	free(a.domains);
	free(a.servers);
	return ret;
}

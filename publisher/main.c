/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/log.h"
#include "publisher/daemon.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: kms-publisher [-c FILE] [-n|--check-config] [--once] [--withdraw] "
	             "[--dry-run] [-u USER] [--log-format text|json] [--strict-permissions] "
	             "[-v|-q] [--version]\n"
	             "       kms-publisher status [-c FILE] [--json]\n");
}

/* kms-publisher status: what the state file says (health, records, zones). */
static int status_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *path = SYSCONFDIR "/kmsdns/publisher.yaml";
	bool json = false;
	int c;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	kd_log_init("kms-publisher", KD_LOG_ERR);
	return pub_run_status(path, json);
}

int main(int argc, char **argv)
{
	enum { O_CHECK = 256, O_ONCE, O_WITHDRAW, O_DRY, O_VERSION, O_STRICT, O_LOGFMT };
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"check-config", no_argument, NULL, O_CHECK},
	        {"once", no_argument, NULL, O_ONCE},
	        {"withdraw", no_argument, NULL, O_WITHDRAW},
	        {"dry-run", no_argument, NULL, O_DRY},
	        {"strict-permissions", no_argument, NULL, O_STRICT},
	        {"user", required_argument, NULL, 'u'},
	        {"log-format", required_argument, NULL, O_LOGFMT},
	        {"verbose", no_argument, NULL, 'v'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"version", no_argument, NULL, O_VERSION},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return status_main(argc - 1, argv + 1);
	pub_run_opts_t o = {.config_path = SYSCONFDIR "/kmsdns/publisher.yaml", .log_format = -1};
	kd_log_format_t fmt;
	int level = KD_LOG_INFO, modes = 0, c;
	while ((c = getopt_long(argc, argv, "c:nu:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config_path = optarg; break;
		case 'n': /* as unwind -n */
		case O_CHECK:
			o.mode = PUB_RUN_CHECK;
			modes++;
			break;
		case O_ONCE:
			o.mode = PUB_RUN_ONCE;
			modes++;
			break;
		case O_WITHDRAW:
			o.mode = PUB_RUN_WITHDRAW;
			modes++;
			break;
		case O_DRY: o.dry_run = true; break;
		case O_STRICT: o.strict_permissions = true; break;
		case 'u': o.user = optarg; break;
		case O_LOGFMT:
			if (kd_log_format_parse(optarg, &fmt) != 0) {
				fprintf(stderr, "kms-publisher: --log-format takes text or json\n");
				return 2;
			}
			o.log_format = (int)fmt;
			kd_log_set_format(fmt);
			break;
		case 'v': level = KD_LOG_DEBUG; break;
		case 'q': level = KD_LOG_ERR; break;
		case O_VERSION: printf("kms-publisher %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || modes > 1 ||
	    (o.dry_run && o.mode != PUB_RUN_ONCE && o.mode != PUB_RUN_WITHDRAW)) {
		fprintf(stderr, "kms-publisher: %s\n",
		        optind != argc ? "unexpected argument"
		        : modes > 1    ? "give at most one of --check-config, --once, --withdraw"
		                       : "--dry-run needs --once or --withdraw");
		usage(stderr);
		return 2;
	}
	kd_log_init("kms-publisher", level);
	o.verbose = level == KD_LOG_DEBUG;
	return pub_run(&o);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kms-locate: command line parsing and output. Uses only the public libkmslocate API. */
#pragma once

#include <stdbool.h>

#include "resolver-plugin/kmslocate.h"

enum { CLI_OK = 0, CLI_NOALIVE = 1, CLI_USAGE = 2, CLI_NORECORDS = 3 };

typedef struct {
	bool all;
	bool json;
	bool verbose;
} cli_t;

/* Parse argv, create the context, load the configuration and apply the command line over it.
 * Returns CLI_OK with *ctx_out set, or CLI_USAGE after printing why. */
int cli_setup(int argc, char **argv, cli_t *cli, kmsl_ctx_t **ctx_out);

/* Discover, probe and print as the options say. Returns the exit code. */
int cli_run(kmsl_ctx_t *ctx, const cli_t *cli);

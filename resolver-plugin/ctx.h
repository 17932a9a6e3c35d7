/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libkmslocate context: options (resolver-plugin/opts.h), the random source and the last
 * warning. Internal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver-plugin/kmslocate.h"
#include "resolver-plugin/opts.h"
#include "resolver-plugin/rng.h"

struct kmsl_ctx {
	kmsl_opts_t opts;
	kmsl_rng_t rng;
	const char *resolv_conf; /* tests point it elsewhere */
	char warning[512];       /* this call's, for kmsl_warning() */
	char warned[512];        /* the last one given, never repeated */
};

/* Record a warning for kmsl_warning(), unless it repeats the last one given. */
void kmsl_ctx_warn(kmsl_ctx_t *ctx, const char *msg);

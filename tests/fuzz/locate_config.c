/* SPDX-License-Identifier: GPL-3.0-or-later */
/* locate.yaml through the schema loader into libkmslocate's options (kmsl_opts_load with a
 * buffer). Input: the file. */
#include "config.h"

#include "resolver-plugin/ctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kmsl_opts_t opts;
	char err[512];
	/* An empty buffer still means "from the buffer" (the defaults): never NULL. */
	const char *buf = size > 0 ? (const char *)data : "";
	if (kmsl_opts_load("locate.yaml", buf, size, &opts, err, sizeof(err)) == KMSL_OK)
		kmsl_opts_deinit(&opts);
	return 0;
}

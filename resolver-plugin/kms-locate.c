/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kms-locate: print the KMS host a Windows client would use, found through DNS SRV records.
 * See kms-locate(1). */
#include "config.h"

#include "dns/log.h"
#include "resolver-plugin/cli.h"

int main(int argc, char **argv)
{
	cli_t cli;
	kmsl_ctx_t *ctx = NULL;
	kd_log_init("kms-locate", KD_LOG_WARN);
	int ret = cli_setup(argc, argv, &cli, &ctx);
	if (ret != CLI_OK)
		return ret;
	ret = cli_run(ctx, &cli);
	kmsl_ctx_free(ctx);
	return ret;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolv.conf text (kd_resolvconf_parse). Input: the file. */
#include "config.h"

#include "dns/resolvconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static kd_resolvconf_t rc;
	kd_resolvconf_parse((const char *)data, size, &rc);
	return 0;
}

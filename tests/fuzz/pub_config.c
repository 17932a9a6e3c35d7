/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher.yaml through the schema loader and the checks after it (pub_config_load_buf).
 * Input: the file. */
#include "config.h"

#include "publisher/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pub_config_t *conf = NULL;
	kd_error_t err;
	if (pub_config_load_buf("publisher.yaml", (const char *)data, size, &conf, &err) == 0)
		pub_config_free(conf);
	return 0;
}

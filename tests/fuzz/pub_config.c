/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher.yaml through the schema loader and the checks after it (pub_config_load_buf, with
 * publisher/conf_check.c), then what reads a loaded configuration: the effective
 * configuration as --check-config -v prints it (secrets hidden), the zone of a name and the
 * default key. Input: the file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publisher/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pub_config_t *conf = NULL;
	kd_error_t err;
	if (pub_config_load_buf("publisher.yaml", (const char *)data, size, &conf, &err) != 0)
		return 0;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		abort();
	pub_config_print(f, conf);
	if (fclose(f) != 0)
		abort();
	free(text);
	(void)pub_config_zone_for(conf, "_vlmcs._tcp.example.test.");
	(void)pub_config_default_key(conf);
	pub_config_free(conf);
	return 0;
}

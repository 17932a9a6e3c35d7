/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG key files in BIND (tsig-keygen) and Knot (keymgr -t) syntax (kd_tsig_key_load_buf),
 * with and without a key name to pick. Input: the file. */
#include "config.h"

#include "dns/tsigkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const want[] = {NULL, "kms-update"};
	for (size_t i = 0; i < 2; i++) {
		kd_tsig_key_t key;
		kd_error_t err;
		if (kd_tsig_key_load_buf("fuzz.key", (const char *)data, size, want[i], &key,
		                         &err) == 0)
			kd_tsig_key_deinit(&key);
	}
	return 0;
}

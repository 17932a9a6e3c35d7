/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "dns/addr.h"
#include "dns/dname.h"
#include "dns/schema.h"

int kd_check_dname(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	if (s == NULL)
		return 0;
	if (!kd_dname_valid(s)) {
		snprintf(err, errlen, "'%s' is not a valid domain name", s);
		return -1;
	}
	if (kd_dname_equal(s, ".")) {
		snprintf(err, errlen, "the root '.' is not allowed here");
		return -1;
	}
	return 0;
}

int kd_check_server(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	kd_addr_t a;
	if (s == NULL || kd_addr_parse(s, 53, &a) == 0)
		return 0;
	snprintf(err, errlen, "'%s' is not an address[@port]", s);
	return -1;
}

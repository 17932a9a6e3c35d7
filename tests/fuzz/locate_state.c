/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libkmslocate's state file (kmsl_state_parse). What it keeps must be written back
 * (kmsl_state_format) as a file that parses cleanly to the same state: formatting that again
 * gives the same text. Input: the file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "resolver-plugin/state.h"

/* Parse text that must be a clean state file and format it again. */
static char *reformat(const char *text)
{
	kmsl_statefile_t st;
	char warn[256], *again = NULL;
	if (kmsl_state_parse(text, strlen(text), &st, warn, sizeof(warn)) != 0 ||
	    kmsl_state_format(&st, &again) != 0)
		abort(); /* the file it writes would lose lines on the next read */
	kmsl_state_deinit(&st);
	return again;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kmsl_statefile_t st;
	char warn[256], *text = NULL;
	int r = kmsl_state_parse((const char *)data, size, &st, warn, sizeof(warn));
	if (r < 0)
		return 0;
	if (kmsl_state_format(&st, &text) != 0)
		abort();
	kmsl_state_deinit(&st);
	char *again = reformat(text);
	if (strcmp(text, again) != 0)
		abort(); /* what it reads back is not what it wrote */
	free(again);
	free(text);
	return 0;
}

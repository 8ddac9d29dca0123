/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared scaffolding of the Check unit-test programs: one suite each. */
#ifndef BUNRI_TEST_UNIT_H
#define BUNRI_TEST_UNIT_H

#include <check.h>
#include <stdlib.h>

/* A main() that runs one suite and exits non-zero on any failure. */
#define UNIT_MAIN(suite_fn)                                          \
	int main(void)                                               \
	{                                                            \
		SRunner *sr = srunner_create(suite_fn());            \
		srunner_run_all(sr, CK_NORMAL);                      \
		int failed = srunner_ntests_failed(sr);              \
		srunner_free(sr);                                    \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;         \
	}

#endif

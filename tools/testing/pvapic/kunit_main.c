// SPDX-License-Identifier: GPL-2.0
/*
 * pvipi-kunit: run the pvapic KUnit suite in userspace through the small
 * KUnit stand-in in shim/kunit/test.h. TAP, one line per case/parameter.
 */
#include <kunit/test.h>

struct kunit_suite *kunit_shim_suite;

static void **allocs;
static size_t nr_allocs;

void *kunit_shim_alloc(struct kunit *test, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	allocs = realloc(allocs, (nr_allocs + 1) * sizeof(*allocs));
	if (!p || !allocs)
		abort();
	allocs[nr_allocs++] = p;
	return p;
}

static void free_all(void)
{
	while (nr_allocs)
		free(allocs[--nr_allocs]);
}

static unsigned int tests, failed;

static void run_one(struct kunit_case *c, const void *param, const char *desc)
{
	struct kunit test = { .param_value = param };

	if (!setjmp(test.abort))
		c->run_case(&test);
	free_all();
	tests++;
	failed += test.failed;
	printf("%sok %u - %s.%s%s%s\n", test.failed ? "not " : "", tests,
	       kunit_shim_suite->name, c->name, desc ? " " : "",
	       desc ? desc : "");
}

int main(void)
{
	struct kunit_case *c;

	for (c = kunit_shim_suite->test_cases; c->run_case; c++) {
		char desc[KUNIT_PARAM_DESC_SIZE];
		const void *p = NULL;

		if (!c->generate_params) {
			run_one(c, NULL, NULL);
			continue;
		}
		while ((p = c->generate_params(p, desc)))
			run_one(c, p, desc);
	}
	printf("1..%u\n%u passed, %u failed\n", tests, tests - failed, failed);
	free(allocs);
	return failed ? 1 : 0;
}

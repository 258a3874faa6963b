/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small userspace KUnit: enough of <kunit/test.h> to run the pvapic
 * KUnit suite unchanged in the harness. Results are printed as TAP.
 */
#ifndef _SHIM_KUNIT_TEST_H
#define _SHIM_KUNIT_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>

#define KUNIT_PARAM_DESC_SIZE	128
#define GFP_KERNEL		0
typedef unsigned int gfp_t;

struct kunit {
	const void *param_value;
	int failed;
	jmp_buf abort;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn)		{ .run_case = fn, .name = #fn }
#define KUNIT_CASE_PARAM(fn, gen) \
	{ .run_case = fn, .name = #fn, .generate_params = gen }

#define KUNIT_ARRAY_PARAM(name, array, get_desc)			\
	static const void *name##_gen_params(const void *prev, char *desc) \
	{								\
		__typeof__((array)[0]) *__next = prev ?			\
			((__typeof__(__next))prev) + 1 : (array);	\
		if (__next - (array) < (long)ARRAY_SIZE(array)) {	\
			get_desc(__next, desc);				\
			return __next;					\
		}							\
		return NULL;						\
	}

extern struct kunit_suite *kunit_shim_suite;
#define kunit_test_suite(s)						\
	static void __attribute__((constructor)) kunit_shim_reg(void)	\
	{ kunit_shim_suite = &(s); }

void *kunit_shim_alloc(struct kunit *test, size_t size);

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	return kunit_shim_alloc(test, size);
}

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size,
				  gfp_t gfp)
{
	return kunit_shim_alloc(test, n * size);
}

#define KUNIT_SHIM_CHECK(test, ok, fatal, text, fmt, ...) do {		\
	if (!(ok)) {							\
		(test)->failed = 1;					\
		printf("    # %s:%d: %s " fmt "\n", __FILE__, __LINE__,	\
		       text, ##__VA_ARGS__);				\
		if (fatal)						\
			longjmp((test)->abort, 1);			\
	}								\
} while (0)

#define KUNIT_SHIM_BIN(test, l, op, r, fatal, fmt, ...)			\
	KUNIT_SHIM_CHECK(test, (l) op (r), fatal,			\
			 "expected " #l " " #op " " #r, fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_EQ(t, l, r)	KUNIT_SHIM_BIN(t, l, ==, r, 0, "")
#define KUNIT_EXPECT_NE(t, l, r)	KUNIT_SHIM_BIN(t, l, !=, r, 0, "")
#define KUNIT_EXPECT_LE(t, l, r)	KUNIT_SHIM_BIN(t, l, <=, r, 0, "")
#define KUNIT_EXPECT_EQ_MSG(t, l, r, fmt, ...) \
	KUNIT_SHIM_BIN(t, l, ==, r, 0, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_SHIM_CHECK(t, c, 0, #c, "")
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_SHIM_CHECK(t, !(c), 0, "!" #c, "")
#define KUNIT_EXPECT_TRUE_MSG(t, c, fmt, ...) \
	KUNIT_SHIM_CHECK(t, c, 0, #c, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_MEMEQ_MSG(t, l, r, size, fmt, ...) \
	KUNIT_SHIM_CHECK(t, !memcmp(l, r, size), 0, \
			 "expected " #l " == " #r " (memory)", fmt, ##__VA_ARGS__)
#define KUNIT_ASSERT_EQ(t, l, r)	KUNIT_SHIM_BIN(t, l, ==, r, 1, "")
#define KUNIT_ASSERT_LE(t, l, r)	KUNIT_SHIM_BIN(t, l, <=, r, 1, "")
#define KUNIT_ASSERT_NOT_ERR_OR_NULL(t, p) \
	KUNIT_SHIM_CHECK(t, (p) != NULL, 1, #p " is NULL", "")

#endif

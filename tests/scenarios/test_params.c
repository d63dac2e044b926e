// SPDX-License-Identifier: GPL-2.0-only
/* Params: defaults, suffixes, and the error messages users see. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scenarios/params.h"

static void test_defaults(void **state)
{
	struct params p;
	params_defaults(&p);
	assert_int_equal(p.sim_mode, MODE_TIMED);
	assert_int_equal(p.sim_quantum, 0);
	assert_int_equal(p.sim_stack, 256 * 1024);
	assert_int_equal(p.host_mem, 128ull << 30);
	char buf[64];
	params_get(&p, params_find("sim.mode"), buf, sizeof(buf));
	assert_string_equal(buf, "timed");
}

static void test_set_values(void **state)
{
	struct params p;
	char err[256];
	params_defaults(&p);
	assert_int_equal(params_set(&p, "host.mem", "3G", err, sizeof(err)), 0);
	assert_int_equal(p.host_mem, 3ull << 30);
	assert_int_equal(params_set(&p, "sim.seed", "0x10", err, sizeof(err)), 0);
	assert_int_equal(p.sim_seed, 16);
	assert_int_equal(params_set(&p, "sim.mode", "explore", err, sizeof(err)), 0);
	assert_int_equal(p.sim_mode, MODE_EXPLORE);
}

static void test_errors_name_key_and_choices(void **state)
{
	struct params p;
	char err[256];
	params_defaults(&p);
	assert_int_equal(params_set(&p, "tlb.l1d.entires", "64", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key 'tlb.l1d.entires'"));
	assert_int_equal(params_set(&p, "sim.mode", "fast", err, sizeof(err)), -1);
	assert_string_equal(err, "sim.mode: bad value 'fast' (accepted: timed or explore)");
	assert_int_equal(params_set(&p, "host.mem", "-1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "host.mem: bad value '-1'"));
	assert_int_equal(params_set(&p, "host.mem", "12Q", err, sizeof(err)), -1);
	assert_int_equal(params_set(&p, "host.mem", "99999999999T", err, sizeof(err)), -1);
	assert_int_equal(p.host_mem, 128ull << 30); /* unchanged by failures */
}

static void test_every_default_documented(void **state)
{
	for (size_t i = 0; i < params_count(); i++) {
		const struct param_desc *d = params_desc(i);
		assert_true(strlen(d->doc) > 10);
		assert_true(strlen(d->source) > 0);
		assert_ptr_equal(params_find(d->key), d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set_values),
		cmocka_unit_test(test_errors_name_key_and_choices),
		cmocka_unit_test(test_every_default_documented),
	};
	return cmocka_run_group_tests_name("sim/core params", tests, NULL, NULL);
}

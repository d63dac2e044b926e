// SPDX-License-Identifier: GPL-2.0-only
/* The PML buffer: count-down index, the 16-bit wrap, drain order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scenarios/params.h"
#include "sim/core/core.h"
#include "sim/host/host.h"
#include "sim/pml/pml.h"

struct pw {
	struct params p;
	struct sim *s;
	struct host *h;
	struct pml pml;
};

static void pw_init(struct pw *w)
{
	params_defaults(&w->p);
	w->p.host_mem = UINT64_C(1) << 30;
	w->s = sim_new(&w->p.core);
	assert_non_null(w->s);
	assert_int_equal(host_create(w->s, &w->p.host, &w->h), 0);
	pml_init(&w->pml, host_pt_alloc(w->h));
}

static void pw_fini(struct pw *w)
{
	host_destroy(w->h);
	sim_free(w->s);
}

static void test_init(void **state)
{
	struct pw w;
	pw_init(&w);
	assert_int_equal(w.pml.index, PML_HEAD_INDEX);
	assert_false(w.pml.enabled);
	assert_false(pml_active(&w.pml));
	assert_false(pml_active(NULL));
	pml_enable(&w.pml, true);
	assert_true(pml_active(&w.pml));
	assert_int_equal(pml_count(&w.pml), 0);
	pw_fini(&w);
}

static void test_log_and_wrap(void **state)
{
	struct pw w;
	pw_init(&w);
	pml_enable(&w.pml, true);
	for (unsigned i = 0; i < 512; i++) {
		assert_int_equal(pml_check(&w.pml), 0);
		/* Unaligned GPAs are logged 4 KiB aligned. */
		assert_int_equal(pml_log(w.s, &w.pml, ((uint64_t)i << 12) | 0xabc), 0);
		assert_int_equal(pml_count(&w.pml), i + 1);
	}
	/* 0 - 1 in 16 bits: full. */
	assert_int_equal(w.pml.index, 0xffff);
	assert_true(pml_full(&w.pml));
	assert_int_equal(pml_count(&w.pml), 512);
	assert_int_equal(pml_check(&w.pml), -ENOSPC);
	assert_int_equal(pml_log(w.s, &w.pml, 0x999000), -ENOSPC);
	assert_int_equal(w.pml.fulls, 1);
	assert_int_equal(w.pml.logged, 512);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(w.pml.page[511 - i], (uint64_t)i << 12);
	/* Each store is in the event log with its physical address. */
	const struct sim_event *e = sim_log_get(w.s, sim_log_count(w.s) - 1);
	assert_string_equal(e->op, "pml");
	assert_int_equal(e->addr, sim_pa(w.s, &w.pml.page[0]));
	assert_int_equal(e->new, (uint64_t)511 << 12);
	pw_fini(&w);
}

static void test_drain(void **state)
{
	struct pw w;
	pw_init(&w);
	uint64_t out[4];
	pml_enable(&w.pml, true);
	for (unsigned i = 1; i <= 6; i++)
		pml_log(w.s, &w.pml, (uint64_t)i << 12);
	/* Hardware order, the count even when @out is smaller. */
	assert_int_equal(pml_drain(&w.pml, out, 4), 6);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(out[i], (uint64_t)(i + 1) << 12);
	assert_int_equal(w.pml.index, PML_HEAD_INDEX);
	assert_int_equal(pml_drain(&w.pml, out, 4), 0);
	pml_log(w.s, &w.pml, 0x7000);
	pml_reset(&w.pml);
	assert_int_equal(pml_count(&w.pml), 0);
	pw_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_log_and_wrap),
		cmocka_unit_test(test_drain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

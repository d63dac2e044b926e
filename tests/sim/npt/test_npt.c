// SPDX-License-Identifier: GPL-2.0-only
/* The x86-64 long-mode format's reserved bits and the #NPF error code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/npt/npt.h"

static void test_rsvd(void **state)
{
	/* MAXPHYADDR 46: bits 51:46 everywhere. */
	const uint64_t a46 = UINT64_C(0x000fc00000000000);
	assert_int_equal(x86_pte_rsvd(1, true, 46), a46);
	assert_int_equal(x86_pte_rsvd(2, false, 46), a46);
	assert_int_equal(x86_pte_rsvd(3, false, 46), a46);
	/* A 2 MiB page: bits 20:13 (12 is PAT); 1 GiB: 29:13. */
	assert_int_equal(x86_pte_rsvd(2, true, 46), a46 | 0x1fe000);
	assert_int_equal(x86_pte_rsvd(3, true, 46), a46 | 0x3fffe000);
	/* PS is reserved in a PML4E and PML5E. */
	assert_int_equal(x86_pte_rsvd(4, false, 46), a46 | X86_PTE_PS);
	assert_int_equal(x86_pte_rsvd(5, false, 46), a46 | X86_PTE_PS);
	/* MAXPHYADDR 52: no reserved address bits. */
	assert_int_equal(x86_pte_rsvd(1, true, 52), 0);
	assert_int_equal(x86_pte_rsvd(4, false, 52), X86_PTE_PS);
}

static void test_exitinfo1(void **state)
{
	/* present, rsvd, write, fetch, final */
	assert_int_equal(npt_exitinfo1(false, false, false, false, true), UINT64_C(0x100000004));
	assert_int_equal(npt_exitinfo1(true, false, true, false, true), UINT64_C(0x100000007));
	assert_int_equal(npt_exitinfo1(true, false, false, true, true), UINT64_C(0x100000015));
	assert_int_equal(npt_exitinfo1(false, true, false, false, true), UINT64_C(0x10000000d));
	assert_int_equal(npt_exitinfo1(false, false, true, false, false), UINT64_C(0x200000006));
	assert_int_equal(npt_exitinfo1(true, false, true, false, false), UINT64_C(0x200000007));
}

static void test_ncr3(void **state)
{
	assert_int_equal(npt_ncr3(UINT64_C(0x123456789abc)), UINT64_C(0x123456789000));
	assert_int_equal(npt_ncr3(UINT64_C(0xfff0000000001000)), UINT64_C(0x0000000000001000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsvd),
		cmocka_unit_test(test_exitinfo1),
		cmocka_unit_test(test_ncr3),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

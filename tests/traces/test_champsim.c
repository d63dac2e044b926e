// SPDX-License-Identifier: GPL-2.0-only
/*
 * ChampSim importer: hand-built instruction records, xz-compressed (the
 * usual form) and plain, give exactly the expected accesses.
 */
#include <lzma.h>

#include "tests/traces/helpers.h"
#include "sim/core/compiler.h"

#define R(a, k, s) { .addr = (a), .kind = (k), .size = (s) }

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One 64-byte input_instr: ip, then dst[2] at 16, src[4] at 32. */
static void instr(uint8_t *b, uint64_t ip, const uint64_t dst[2], const uint64_t src[4])
{
	memset(b, 0, 64);
	put64(b, ip);
	b[8] = 1;			/* is_branch: ignored */
	b[10] = 7;			/* registers: ignored */
	b[12] = 9;
	for (int i = 0; i < 2; i++)
		put64(b + 16 + 8 * i, dst[i]);
	for (int i = 0; i < 4; i++)
		put64(b + 32 + 8 * i, src[i]);
}

#define NINSTR 3
static uint8_t raw[NINSTR * 64];

static const struct trace_rec want[] = {
	/* 1: two loads (a hole between them), one store */
	R(0x400000, TRACE_FETCH, 4),
	R(0x7fff0000, TRACE_READ, 8),
	R(0x7fff1000, TRACE_READ, 8),
	R(0x601000, TRACE_WRITE, 8),
	/* 2: no memory; the fetch is clipped at its 64-byte block */
	R(0x40003e, TRACE_FETCH, 2),
	/* 3: all six operands, some near block ends */
	R(0x400044, TRACE_FETCH, 4),
	R(0x1001, TRACE_READ, 8),
	R(0x103d, TRACE_READ, 3),
	R(0x2000, TRACE_READ, 8),
	R(0x203f, TRACE_READ, 1),
	R(0x3000, TRACE_WRITE, 8),
	R(0x3038, TRACE_WRITE, 8),
};

static void build(void)
{
	instr(raw, 0x400000, (const uint64_t[]){ 0x601000, 0 },
	      (const uint64_t[]){ 0x7fff0000, 0, 0x7fff1000, 0 });
	instr(raw + 64, 0x40003e, (const uint64_t[]){ 0, 0 }, (const uint64_t[]){ 0, 0, 0, 0 });
	instr(raw + 128, 0x400044, (const uint64_t[]){ 0x3000, 0x3038 },
	      (const uint64_t[]){ 0x1001, 0x103d, 0x2000, 0x203f });
}

static uint8_t *xz(const uint8_t *in, size_t n, size_t *outlen)
{
	size_t cap = n + 1024, pos = 0;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, in, n,
						 out, &pos, cap), LZMA_OK);
	*outlen = pos;
	return out;
}

static void check_all(const void *data, size_t len, enum trace_format fmt, const char *name)
{
	static const size_t batches[] = { 1, 3, 6, 7, 4096 };

	for (size_t b = 0; b < 5; b++) {
		char err[256];
		struct trace_reader *r = trace_open_mem(data, len, "cs", fmt, err, sizeof(err));
		struct trace_rec *v;
		size_t n;

		if (!r)
			fail_msg("open: %s", err);
		assert_string_equal(trace_format_name(r), name);
		v = th_read_all(r, batches[b], &n);
		assert_int_equal(n, ARRAY_SIZE(want));
		assert_memory_equal(v, want, sizeof(want));
		free(v);
		trace_close(r);
	}
}

static void test_xz_detected(void **state)
{
	size_t n;
	uint8_t *z;

	build();
	z = xz(raw, sizeof(raw), &n);
	check_all(z, n, TRACE_FMT_AUTO, "champsim+xz");
	check_all(z, n, TRACE_FMT_CHAMPSIM, "champsim+xz");
	free(z);
}

/* Two xz streams back to back (xz -T, pxz) are one trace. */
static void test_xz_concatenated(void **state)
{
	size_t n1, n2;
	uint8_t *a, *b, *both;

	build();
	a = xz(raw, 128, &n1);
	b = xz(raw + 128, 64, &n2);
	both = malloc(n1 + n2);
	memcpy(both, a, n1);
	memcpy(both + n1, b, n2);
	check_all(both, n1 + n2, TRACE_FMT_AUTO, "champsim+xz");
	free(a);
	free(b);
	free(both);
}

/* Uncompressed ChampSim has no signature: it needs --format champsim. */
static void test_plain_forced(void **state)
{
	char err[256];

	build();
	check_all(raw, sizeof(raw), TRACE_FMT_CHAMPSIM, "champsim");
	assert_null(trace_open_mem(raw, sizeof(raw), "cs", TRACE_FMT_AUTO, err, sizeof(err)));
	assert_contains(err, "cs: record 0 (header): not a trace");
}

static void test_from_file(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "t.champsimtrace.xz");
	struct trace_rec *v;
	size_t n, zn;
	uint8_t *z;

	build();
	z = xz(raw, sizeof(raw), &zn);
	th_write_file(p, z, zn);
	v = th_load(p, 4096, &n);
	assert_int_equal(n, ARRAY_SIZE(want));
	assert_memory_equal(v, want, sizeof(want));
	free(v);
	free(z);
	free(p);
	th_rmdir(dir);
}

static void expect_read_error(const void *data, size_t len, const char *msg)
{
	char err[256];
	struct trace_reader *r = trace_open_mem(data, len, "cs", TRACE_FMT_CHAMPSIM,
						err, sizeof(err));
	struct trace_rec v[4096];
	long got;

	if (!r) {
		assert_string_equal(err, msg);
		return;
	}
	while ((got = trace_read(r, v, 4096)) > 0)
		;
	assert_int_equal(got, -1);
	assert_string_equal(trace_error(r), msg);
	trace_close(r);
}

static void test_truncated(void **state)
{
	size_t n;
	uint8_t *z;

	build();
	expect_read_error(raw, 64 + 36, "cs: record 2: truncated: 36 of 64 bytes");
	z = xz(raw, sizeof(raw), &n);
	/* The three instructions decode; the stream's index and footer are cut. */
	expect_read_error(z, n - 5, "cs: record 4: xz: truncated stream");
	/* Inside the compressed block: where liblzma notices is its business,
	 * but the message must say which record it had reached. */
	z[n / 2] ^= 0x55;
	{
		char err[256];
		struct trace_reader *r = trace_open_mem(z, n, "cs", TRACE_FMT_AUTO,
							err, sizeof(err));
		struct trace_rec v[64];
		long got;

		assert_non_null(r);
		while ((got = trace_read(r, v, 64)) > 0)
			;
		assert_int_equal(got, -1);
		assert_true(!strncmp(trace_error(r), "cs: record ", 11));
		assert_contains(trace_error(r), ": xz: corrupt data");
		trace_close(r);
	}
	free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xz_detected),
		cmocka_unit_test(test_xz_concatenated),
		cmocka_unit_test(test_plain_forced),
		cmocka_unit_test(test_from_file),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests_name("traces/champsim", tests, NULL, NULL);
}

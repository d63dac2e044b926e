// SPDX-License-Identifier: GPL-2.0-only
/*
 * Native format: exact bytes on disk, round trips (plain and zstd) at every
 * batch size, the header's counts, and the writer's refusals.
 */
#include "tests/traces/helpers.h"
#include "sim/core/compiler.h"

#define NRECS 5000

static const uint8_t two_recs_file[] = {
	'T', 'D', 'P', 'T', 'R', 'A', 'C', 'E',
	0x01, 0x00,		/* version 1 */
	0x20, 0x00,		/* header size 32 */
	0x10, 0x00,		/* record size 16 */
	0x02, 0x00,		/* flags: COUNTS */
	0x02, 0x00, 0x00, 0x00,	/* 2 vCPUs */
	0x00, 0x00, 0x00, 0x00,	/* reserved */
	0x02, 0, 0, 0, 0, 0, 0, 0,	/* 2 records */
	/* write of 8 bytes at 0x1122334455667788 by vCPU 1 */
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0, 0x01, 0x00, 0x01, 0x08,
	/* fetch of 4 bytes at 0x1000 by vCPU 0 */
	0x00, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x02, 0x04,
};

static const struct trace_rec two_recs[] = {
	{ .addr = 0x1122334455667788ull, .vcpu = 1, .kind = TRACE_WRITE, .size = 8 },
	{ .addr = 0x1000, .vcpu = 0, .kind = TRACE_FETCH, .size = 4 },
};

static void test_exact_bytes(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "t.trace");
	size_t n;
	uint8_t *b;

	th_write_trace(p, 0, two_recs, 2);
	b = th_read_file(p, &n);
	assert_int_equal(n, sizeof(two_recs_file));
	assert_memory_equal(b, two_recs_file, n);
	free(b);
	free(p);
	th_rmdir(dir);
}

/* The same bytes, hand-written, read back as the two records. */
static void test_read_exact_bytes(void **state)
{
	char err[256];
	struct trace_reader *r = trace_open_mem(two_recs_file, sizeof(two_recs_file),
						"mem", TRACE_FMT_AUTO, err, sizeof(err));
	struct trace_rec v[4];

	assert_non_null(r);
	assert_string_equal(trace_format_name(r), "native");
	assert_int_equal(trace_meta(r)->flags, TRACE_COUNTS);
	assert_int_equal(trace_meta(r)->nr_vcpus, 2);
	assert_int_equal(trace_meta(r)->nr_records, 2);
	assert_int_equal(trace_read(r, v, 4), 2);
	assert_memory_equal(v, two_recs, sizeof(two_recs));
	assert_int_equal(trace_read(r, v, 4), 0);
	assert_int_equal(trace_read(r, v, 4), 0);
	trace_close(r);
}

static void round_trip(unsigned flags, const char *fmt_name)
{
	char *dir = th_mkdir(), *p = th_path(dir, "t.trace");
	struct trace_rec *v = malloc(NRECS * sizeof(*v)), *got;
	static const size_t batches[] = { 1, 7, 16, 4096, 100000 };
	char err[256];
	struct trace_reader *r;
	size_t n;

	th_fill_recs(v, NRECS, flags & TRACE_GAPS);
	th_write_trace(p, flags, v, NRECS);
	assert_int_equal(th_count_files(dir), 1);	/* no temporary left */
	for (size_t b = 0; b < ARRAY_SIZE(batches); b++) {
		r = trace_open(p, err, sizeof(err));
		assert_non_null(r);
		assert_string_equal(trace_format_name(r), fmt_name);
		assert_int_equal(trace_meta(r)->flags,
				 TRACE_COUNTS | (flags & (TRACE_GAPS | TRACE_ZSTD)));
		assert_int_equal(trace_meta(r)->nr_records, NRECS);
		assert_int_equal(trace_meta(r)->nr_vcpus, 4);
		got = th_read_all(r, batches[b], &n);
		assert_int_equal(n, NRECS);
		assert_memory_equal(got, v, NRECS * sizeof(*v));
		free(got);
		trace_close(r);
	}
	free(v);
	free(p);
	th_rmdir(dir);
}

static void test_round_trip_plain(void **state)
{
	round_trip(0, "native");
}

static void test_round_trip_gaps(void **state)
{
	round_trip(TRACE_GAPS, "native");
}

static void test_round_trip_zstd(void **state)
{
	round_trip(TRACE_ZSTD, "native+zstd");
}

static void test_round_trip_zstd_gaps(void **state)
{
	round_trip(TRACE_ZSTD | TRACE_GAPS, "native+zstd");
}

/* A compressed trace is a plain one run through zstd: `zstd -d` of it gives
 * the plain writer's bytes exactly, header counts included. */
static void test_zstd_is_plain_compressed(void **state)
{
	char *dir = th_mkdir(), *pz = th_path(dir, "t.zst"), *pp = th_path(dir, "t.plain");
	char *pd = th_path(dir, "t.dec"), cmd[1024];
	struct trace_rec *v = malloc(NRECS * sizeof(*v));
	static const uint8_t frame_head[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x20, 0x01, 0x01, 0x00 };
	uint8_t *a, *b, *z;
	size_t na, nb, nz;

	th_fill_recs(v, NRECS, 0);
	th_write_trace(pz, TRACE_ZSTD, v, NRECS);
	th_write_trace(pp, 0, v, NRECS);
	z = th_read_file(pz, &nz);
	a = th_read_file(pp, &na);
	assert_true(nz > 41);
	assert_memory_equal(z, frame_head, sizeof(frame_head));
	assert_memory_equal(z + sizeof(frame_head), a, 32);	/* patched header */
	if (th_have("zstd")) {
		snprintf(cmd, sizeof(cmd), "zstd -q -d -c '%s' > '%s'", pz, pd);
		assert_int_equal(system(cmd), 0);
		b = th_read_file(pd, &nb);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na);
		free(b);
	}
	free(a);
	free(z);
	free(v);
	free(pz);
	free(pp);
	free(pd);
	th_rmdir(dir);
}

/* A zstd stream written by the zstd tool (no header frame) reads too. */
static void test_zstd_tool_output(void **state)
{
	char *dir = th_mkdir(), *pp = th_path(dir, "t.plain"), *pz = th_path(dir, "t.zst");
	struct trace_rec *v = malloc(NRECS * sizeof(*v)), *got;
	char cmd[1024];
	size_t n;

	if (!th_have("zstd")) {
		free(v), free(pp), free(pz), th_rmdir(dir);
		skip();
	}
	th_fill_recs(v, NRECS, 1);
	th_write_trace(pp, TRACE_GAPS, v, NRECS);
	snprintf(cmd, sizeof(cmd), "zstd -q -19 -c '%s' > '%s'", pp, pz);
	assert_int_equal(system(cmd), 0);
	got = th_load(pz, 333, &n);
	assert_int_equal(n, NRECS);
	assert_memory_equal(got, v, NRECS * sizeof(*v));
	free(got);
	free(v);
	free(pp);
	free(pz);
	th_rmdir(dir);
}

static void test_empty_trace(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "e.trace");
	char err[256];
	struct trace_reader *r;
	struct trace_rec v[1];

	for (int z = 0; z < 2; z++) {
		th_write_trace(p, z ? TRACE_ZSTD : 0, NULL, 0);
		r = trace_open(p, err, sizeof(err));
		assert_non_null(r);
		assert_int_equal(trace_meta(r)->nr_records, 0);
		assert_int_equal(trace_meta(r)->flags & TRACE_COUNTS, TRACE_COUNTS);
		assert_int_equal(trace_read(r, v, 1), 0);
		trace_close(r);
	}
	free(p);
	th_rmdir(dir);
}

/* Bad records are refused with the record's number; abort leaves nothing. */
static void test_writer_refuses(void **state)
{
	static const struct trace_rec bad[] = {
		{ .addr = 1, .kind = TRACE_KIND_LAST + 1, .size = 8 },
		{ .addr = 1, .kind = TRACE_READ, .size = 0 },
		{ .addr = 1, .kind = TRACE_READ, .size = 65 },
		{ .addr = 1, .kind = TRACE_READ, .size = 1, .gap = 5 },
	};
	static const char *const why[] = {
		"record 3: bad kind 10", "record 3: bad size 0", "record 3: bad size 65",
		"record 3: cycle gap 5 in a trace without gaps",
	};
	char *dir = th_mkdir(), *p = th_path(dir, "w.trace");
	struct trace_rec ok[2] = { two_recs[0], two_recs[1] };

	for (size_t i = 0; i < 4; i++) {
		char err[256];
		struct trace_writer *w = trace_create(p, 0, err, sizeof(err));

		assert_non_null(w);
		assert_int_equal(trace_write(w, ok, 2), 0);
		assert_int_equal(trace_write(w, &bad[i], 1), -1);
		assert_contains(trace_writer_error(w), p);
		assert_contains(trace_writer_error(w), why[i]);
		assert_int_equal(trace_write(w, ok, 1), -1);	/* sticky */
		assert_int_equal(trace_finish(w, err, sizeof(err)), -1);
		assert_contains(err, why[i]);
		assert_int_equal(th_count_files(dir), 0);
	}
	free(p);
	th_rmdir(dir);
}

static void test_abort_removes(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "a.trace");
	char err[256];
	struct trace_writer *w = trace_create(p, TRACE_ZSTD, err, sizeof(err));

	assert_non_null(w);
	assert_int_equal(trace_write(w, two_recs, 2), 0);
	assert_int_equal(th_count_files(dir), 1);	/* the temporary */
	assert_false(th_file_exists(p));
	trace_abort(w);
	assert_int_equal(th_count_files(dir), 0);
	trace_abort(NULL);
	free(p);
	th_rmdir(dir);
}

static void test_create_fails(void **state)
{
	char err[256];

	assert_null(trace_create("/nonexistent-dir/x.trace", 0, err, sizeof(err)));
	assert_contains(err, "/nonexistent-dir/x.trace: cannot create: ");
	assert_null(trace_create("/tmp/x.trace", 0x80, err, sizeof(err)));
	assert_contains(err, "bad writer flags");
}

/* The header says whether addresses are virtual (bit 2, VADDR) or
 * guest-physical (bit 3, PADDR): the writer puts the flag in byte 14, the
 * reader hands it back in the meta, and a header with both is refused. */
static void test_address_space_flags(void **state)
{
	static const unsigned fl[] = { TRACE_VADDR, TRACE_PADDR };
	static const uint8_t byte14[] = { 0x06, 0x0a }; /* COUNTS | VADDR, | PADDR */
	char *dir = th_mkdir(), *p = th_path(dir, "v.trace");
	char err[256];

	for (int i = 0; i < 2; i++) {
		th_write_trace(p, fl[i], two_recs, 2);
		size_t n;
		uint8_t *b = th_read_file(p, &n);
		assert_int_equal(n, sizeof(two_recs_file));
		assert_int_equal(b[14], byte14[i]);
		assert_int_equal(b[15], 0);
		struct trace_reader *r = trace_open_mem(b, n, "mem", TRACE_FMT_AUTO,
							err, sizeof(err));
		assert_non_null(r);
		assert_int_equal(trace_meta(r)->flags, TRACE_COUNTS | fl[i]);
		trace_close(r);
		if (i == 1) {
			b[14] = 0x0e; /* COUNTS | VADDR | PADDR */
			assert_null(trace_open_mem(b, n, "mem", TRACE_FMT_AUTO, err,
						   sizeof(err)));
			assert_contains(err, "mem: record 0 (header): flags VADDR and PADDR together");
		}
		free(b);
	}
	assert_null(trace_create(p, TRACE_VADDR | TRACE_PADDR, err, sizeof(err)));
	assert_contains(err, "bad writer flags 0xc");
	free(p);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_read_exact_bytes),
		cmocka_unit_test(test_round_trip_plain),
		cmocka_unit_test(test_round_trip_gaps),
		cmocka_unit_test(test_round_trip_zstd),
		cmocka_unit_test(test_round_trip_zstd_gaps),
		cmocka_unit_test(test_zstd_is_plain_compressed),
		cmocka_unit_test(test_zstd_tool_output),
		cmocka_unit_test(test_empty_trace),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_abort_removes),
		cmocka_unit_test(test_create_fails),
		cmocka_unit_test(test_address_space_flags),
	};

	return cmocka_run_group_tests_name("traces/native", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad input: truncated, corrupt, wrong-version, zero-length and random files.
 * Each must give exactly one message naming the file and the record (binary;
 * record 0 is the header) or line (text) — never a crash or a leak (run this
 * suite under ASan: make check).
 */
#include <regex.h>

#include "tests/traces/helpers.h"

#define NRECS 100

struct fixture {
	char *dir;
	char *path;		/* a good trace of NRECS records, vCPUs 0..3 */
	uint8_t *good;		/* its bytes */
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct trace_rec v[NRECS];

	f->dir = th_mkdir();
	f->path = th_path(f->dir, "t.trace");
	th_fill_recs(v, NRECS, 0);
	th_write_trace(f->path, 0, v, NRECS);
	f->good = th_read_file(f->path, &f->len);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->good);
	free(f->path);
	th_rmdir(f->dir);
	free(f);
	return 0;
}

/* Reads the file at PATH to its end and returns the one error message
 * (malloc'd), failing the test if there is none. */
static char *error_of(const char *path, enum trace_format fmt)
{
	char err[512];
	struct trace_reader *r = trace_open_format(path, fmt, err, sizeof(err));
	struct trace_rec v[64];
	char *msg;
	long got;

	if (!r)
		return strdup(err);
	while ((got = trace_read(r, v, 64)) > 0)
		;
	if (got == 0) {
		trace_close(r);
		fail_msg("%s: no error", path);
	}
	msg = strdup(trace_error(r));
	trace_close(r);
	return msg;
}

/* Writes BYTES to a file and expects exactly MSG (with the path for "@"). */
static void expect(struct fixture *f, const void *bytes, size_t n, enum trace_format fmt,
		   const char *msg)
{
	char *p = th_path(f->dir, "bad"), want[1024], *got;

	th_write_file(p, bytes, n);
	snprintf(want, sizeof(want), "%s%s", p, msg);
	got = error_of(p, fmt);
	assert_string_equal(got, want);
	free(got);
	unlink(p);
	free(p);
}

static void test_zero_length(void **state)
{
	struct fixture *f = *state;

	for (int fmt = TRACE_FMT_AUTO; fmt <= TRACE_FMT_CHAMPSIM; fmt++)
		expect(f, "", 0, (enum trace_format)fmt,
		       ": record 0 (header): empty file, not a trace");
	/* A compressed stream of nothing is no better. */
	expect(f, "\x28\xb5\x2f\xfd\x20\x00\x01\x00\x00", 9, TRACE_FMT_AUTO,
	       ": record 0 (header): empty stream, not a trace");
}

static void test_missing_file(void **state)
{
	char *got = error_of("/nonexistent/x.trace", TRACE_FMT_AUTO);

	assert_string_equal(got, "/nonexistent/x.trace: No such file or directory");
	free(got);
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;

	/* Cut inside record 51: 5 of its 16 bytes remain. */
	expect(f, f->good, 32 + 50 * 16 + 5, TRACE_FMT_AUTO,
	       ": record 51: truncated: 5 of 16 bytes");
	/* Cut between records: the header's count says more must follow. */
	expect(f, f->good, 32 + 50 * 16, TRACE_FMT_AUTO,
	       ": record 51: missing: the header declares 100 records");
	expect(f, f->good, 20, TRACE_FMT_AUTO,
	       ": record 0 (header): truncated header: 20 of 32 bytes");
	expect(f, f->good, 5, TRACE_FMT_NATIVE, ": record 0 (header): bad magic \"TDPTR\" "
	       "(want \"TDPTRACE\")");
}

static void patch_expect(struct fixture *f, size_t off, uint8_t val, const char *msg)
{
	uint8_t *b = malloc(f->len);

	memcpy(b, f->good, f->len);
	b[off] = val;
	expect(f, b, f->len, TRACE_FMT_AUTO, msg);
	free(b);
}

static void test_corrupt_records(void **state)
{
	struct fixture *f = *state;
	size_t rec7 = 32 + 6 * 16;

	patch_expect(f, rec7 + 14, 10, ": record 7: bad kind 10"); /* 3-9: TLB ops */
	patch_expect(f, rec7 + 15, 0, ": record 7: bad size 0 (1..64)");
	patch_expect(f, rec7 + 15, 65, ": record 7: bad size 65 (1..64)");
	patch_expect(f, rec7 + 8, 1, ": record 7: cycle gap 1 but the header has no gaps");
	patch_expect(f, rec7 + 12, 4, ": record 7: vCPU 4 but the header declares 4 vCPUs");
	patch_expect(f, 32 + 99 * 16 + 14, 255, ": record 100: bad kind 255");
}

static void test_corrupt_header(void **state)
{
	struct fixture *f = *state;

	patch_expect(f, 8, 2, ": record 0 (header): unsupported version 2 (this build reads 1)");
	patch_expect(f, 9, 1, ": record 0 (header): unsupported version 257 (this build reads 1)");
	patch_expect(f, 10, 48, ": record 0 (header): header size 48, want 32");
	patch_expect(f, 12, 24, ": record 0 (header): record size 24, want 16");
	patch_expect(f, 14, 0x22, ": record 0 (header): unknown flags 0x20");
	patch_expect(f, 20, 1, ": record 0 (header): reserved field is not zero");
	patch_expect(f, 14, 0, ": record 0 (header): counts set without the COUNTS flag");
	patch_expect(f, 18, 2, ": record 0 (header): 131076 vCPUs, at most 65536");
	patch_expect(f, 7, 'X', ": record 0 (header): not a trace: no native magic, "
		     "not lackey text, not xz (ChampSim); use --format to force one");
	patch_expect(f, 24, 99, ": record 100: trailing data after the 99 records "
		     "the header declares");
	patch_expect(f, 24, 101, ": record 101: missing: the header declares 101 records");
}

static void test_trailing_data(void **state)
{
	struct fixture *f = *state;
	uint8_t *b = malloc(f->len + 16);

	memcpy(b, f->good, f->len);
	memcpy(b + f->len, f->good + 32, 16);
	expect(f, b, f->len + 16, TRACE_FMT_AUTO,
	       ": record 101: trailing data after the 100 records the header declares");
	free(b);
}

/* zstd: cut, and a flipped byte (caught by zstd's checksum if not before). */
static void test_zstd_damage(void **state)
{
	struct fixture *f = *state;
	char *pz = th_path(f->dir, "z.trace"), *got;
	struct trace_rec v[NRECS];
	uint8_t *z;
	size_t n;

	th_fill_recs(v, NRECS, 0);
	th_write_trace(pz, TRACE_ZSTD, v, NRECS);
	z = th_read_file(pz, &n);
	/* All 100 records decode; the stream's end (its checksum) is missing. */
	expect(f, z, n - 3, TRACE_FMT_AUTO, ": record 101: zstd: truncated stream");
	expect(f, z, 41 + 3, TRACE_FMT_AUTO, ": record 1: zstd: truncated stream");
	expect(f, z, 20, TRACE_FMT_AUTO,
	       ": record 0 (header): zstd: truncated stream");
	expect(f, z, 41 + 200, TRACE_FMT_AUTO, ": record 1: zstd: truncated stream");
	/* A bad checksum damns the whole last block: 64 records went out in
	 * the first batch (error_of() reads 64 at a time), the rest is lost. */
	z[n - 2] ^= 0x40;
	expect(f, z, n, TRACE_FMT_AUTO,
	       ": record 65: zstd: Restored data doesn't match checksum");
	z[n - 2] ^= 0x40;
	z[n / 2 + 20] ^= 0xff;
	got = NULL;
	{
		char *p = th_path(f->dir, "bad");

		th_write_file(p, z, n);
		got = error_of(p, TRACE_FMT_AUTO);
		assert_contains(got, p);
		assert_contains(got, ": zstd: ");
		free(p);
	}
	free(got);
	free(z);
	free(pz);
}

/* Random bytes: whatever the content, one message with file and record/line. */
static void test_random_files(void **state)
{
	struct fixture *f = *state;
	uint64_t x = 42;
	uint8_t buf[4096];
	regex_t re;
	char *p = th_path(f->dir, "rand");

	assert_int_equal(regcomp(&re, "^/tmp/tdpsim-test-[^/]*/rand(: record [0-9]+( \\(header\\))?|:[0-9]+): ",
				 REG_EXTENDED), 0);
	for (int i = 0; i < 300; i++) {
		size_t n = (size_t)(i * 37 % 4096) + 1;
		static const enum trace_format fmts[] = {
			TRACE_FMT_AUTO, TRACE_FMT_NATIVE, TRACE_FMT_LACKEY,
		};

		for (size_t k = 0; k < n; k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			buf[k] = (uint8_t)(x >> 56);
		}
		if (i % 3 == 1)	/* some start like a native header */
			memcpy(buf, f->good, n < 16 ? n : 16);
		th_write_file(p, buf, n);
		for (int m = 0; m < 3; m++) {
			char *got = error_of(p, fmts[m]);

			if (regexec(&re, got, 0, NULL, 0))
				fail_msg("random file %d: bad message \"%s\"", i, got);
			free(got);
		}
	}
	regfree(&re);
	free(p);
}

/* Lackey: the error names the line; a line longer than the parse buffer. */
static void test_lackey_errors(void **state)
{
	struct fixture *f = *state;
	size_t n = 200000;
	char *t = malloc(n);

	memset(t, 'a', n);
	memcpy(t, "I  10,4\n", 8);
	t[n - 1] = '\n';
	expect(f, t, n, TRACE_FMT_AUTO, ":2: line too long: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaa...\"");
	expect(f, "I  10,4\n L 20,8\n\n S 30,2\nQ\n", 26, TRACE_FMT_AUTO,
	       ":5: not a lackey line: \"Q\"");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zstd_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lackey_errors, setup, teardown),
	};

	return cmocka_run_group_tests_name("traces/bad_input", tests, NULL, NULL);
}

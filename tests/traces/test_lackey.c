// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lackey importer: exact records of hand-written snippets, errors naming the
 * line, and a real lackey trace of a system program checked against a naive
 * sscanf reference parser and round-tripped through the native format.
 */
#include <inttypes.h>

#include "tests/traces/helpers.h"
#include "sim/core/compiler.h"

#define R(a, k, s) { .addr = (a), .kind = (k), .size = (s) }

static const char snippet[] =
	"==4242== Lackey, an example Valgrind tool\n"
	"==4242== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas Nethercote.\n"
	"==4242== \n"
	"I  04000b50,3\n"
	" S 1ffefffe48,8\n"
	" L 0000000000601040,4\n"
	" M 7ff0001000,16\n"
	"I  04000b53,5\n"
	"--4242-- a warning from the core\n"
	"==4242== \n"
	"==4242== Counted 1 call to main()\n";

static const struct trace_rec snippet_recs[] = {
	R(0x4000b50, TRACE_FETCH, 3),
	R(0x1ffefffe48, TRACE_WRITE, 8),
	R(0x601040, TRACE_READ, 4),
	R(0x7ff0001000, TRACE_READ, 16),	/* M: the read... */
	R(0x7ff0001000, TRACE_WRITE, 16),	/* ...then the write */
	R(0x4000b53, TRACE_FETCH, 5),
};

static struct trace_rec *parse_mem(const char *text, size_t batch, size_t *n)
{
	char err[256];
	struct trace_reader *r = trace_open_mem(text, strlen(text), "snippet",
						TRACE_FMT_AUTO, err, sizeof(err));
	struct trace_rec *v;

	if (!r)
		fail_msg("open: %s", err);
	assert_string_equal(trace_format_name(r), "lackey");
	assert_int_equal(trace_meta(r)->nr_vcpus, 1);
	v = th_read_all(r, batch, n);
	trace_close(r);
	return v;
}

static void test_snippet(void **state)
{
	static const size_t batches[] = { 1, 2, 3, 5, 4096 };

	for (size_t b = 0; b < 5; b++) {
		size_t n;
		struct trace_rec *v = parse_mem(snippet, batches[b], &n);

		assert_int_equal(n, 6);
		assert_memory_equal(v, snippet_recs, sizeof(snippet_recs));
		free(v);
	}
}

/* Wider than 64 bytes: consecutive records; M reads all, then writes all. */
static void test_wide_access(void **state)
{
	static const struct trace_rec want[] = {
		R(0x1000, TRACE_READ, 64), R(0x1040, TRACE_READ, 64), R(0x1080, TRACE_READ, 2),
		R(0x2000, TRACE_READ, 64), R(0x2040, TRACE_READ, 64),
		R(0x2000, TRACE_WRITE, 64), R(0x2040, TRACE_WRITE, 64),
		R(0xfff, TRACE_FETCH, 15),
	};
	const char *text = " L 1000,130\n M 2000,128\nI  fff,15";	/* no final newline */
	static const size_t batches[] = { 1, 3, 4096 };

	for (size_t b = 0; b < 3; b++) {
		size_t n;
		struct trace_rec *v = parse_mem(text, batches[b], &n);

		assert_int_equal(n, ARRAY_SIZE(want));
		assert_memory_equal(v, want, sizeof(want));
		free(v);
	}
}

/* CR LF line ends and blank lines are tolerated. */
static void test_crlf_blank(void **state)
{
	size_t n;
	struct trace_rec *v = parse_mem("==1== x\r\n\r\nI  10,4\r\n\n L 20,8 \r\n", 16, &n);

	assert_int_equal(n, 2);
	assert_true(v[0].addr == 0x10 && v[0].kind == TRACE_FETCH && v[0].size == 4);
	assert_true(v[1].addr == 0x20 && v[1].kind == TRACE_READ && v[1].size == 8);
	free(v);
}

/* Each bad text gives exactly MSG: the file, the line, what is wrong. */
static void expect_error(const char *text, enum trace_format fmt, const char *msg)
{
	char err[256];
	struct trace_reader *r = trace_open_mem(text, strlen(text), "bad.txt", fmt,
						err, sizeof(err));
	struct trace_rec v[64];
	long got;

	if (!r) {
		assert_string_equal(err, msg);
		return;
	}
	while ((got = trace_read(r, v, 64)) > 0)
		;
	assert_int_equal(got, -1);
	assert_string_equal(trace_error(r), msg);
	assert_int_equal(trace_read(r, v, 64), -1);	/* errors are sticky */
	trace_close(r);
}

static void test_bad_lines(void **state)
{
	expect_error("I  10,4\n L 20,8\nX 30,4\n", TRACE_FMT_AUTO,
		     "bad.txt:3: not a lackey line: \"X 30,4\"");
	expect_error("==1== hi\n L zz,8\n", TRACE_FMT_AUTO,
		     "bad.txt:2: bad address: \" L zz,8\"");
	expect_error(" L 10,0\n", TRACE_FMT_AUTO,
		     "bad.txt:1: access size out of range: \" L 10,0\"");
	expect_error(" L 10,99999999999999999999\n", TRACE_FMT_AUTO,
		     "bad.txt:1: access size out of range: \" L 10,99999999999999999999\"");
	expect_error(" L 10,\n", TRACE_FMT_AUTO, "bad.txt:1: bad size: \" L 10,\"");
	expect_error(" L 10,4x\n", TRACE_FMT_AUTO, "bad.txt:1: bad size: \" L 10,4x\"");
	expect_error(" L 10 4\n", TRACE_FMT_AUTO, "bad.txt:1: bad address: \" L 10 4\"");
	expect_error(" L 12345678901234567,4\n", TRACE_FMT_AUTO,
		     "bad.txt:1: bad address: \" L 12345678901234567,4\"");
	expect_error("I  10,4\n==12 not valgrind\n", TRACE_FMT_AUTO,
		     "bad.txt:2: not a lackey line: \"==12 not valgrind\"");
	expect_error("I  10,4\n\x01\x02\xff\n", TRACE_FMT_AUTO,
		     "bad.txt:2: not a lackey line: \"\\x01\\x02\\xff\"");
	/* Forced, any content is parsed as lackey and fails on its line. */
	expect_error("hello\n", TRACE_FMT_LACKEY, "bad.txt:1: not a lackey line: \"hello\"");
}

static void test_line_too_long(void **state)
{
	size_t len = 10000;
	char *text = malloc(len + 1);

	memcpy(text, "I  10,4\n L ", 11);
	memset(text + 11, '1', len - 11);
	text[len] = '\0';
	{
		char err[256];
		struct trace_reader *r = trace_open_mem(text, len, "long.txt", TRACE_FMT_AUTO,
							err, sizeof(err));
		struct trace_rec v[256];

		assert_non_null(r);
		assert_int_equal(trace_read(r, v, 1), 1);
		assert_int_equal(trace_read(r, v, 256), -1);
		assert_contains(trace_error(r), "long.txt:2: line too long");
		trace_close(r);
	}
	free(text);
}

/* ---- A real lackey trace --------------------------------------------- */

/* The reference: sscanf, one line at a time, no cleverness. */
static struct trace_rec *reference_parse(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[512];
	struct trace_rec *v = NULL;
	size_t cap = 0, len = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char op;
		unsigned long long a, s;

		if (!strncmp(line, "==", 2) || !strncmp(line, "--", 2))
			continue;
		if (sscanf(line, "I %llx,%llu", &a, &s) == 2)
			op = 'I';
		else if (sscanf(line, " %c %llx,%llu", &op, &a, &s) != 3)
			fail_msg("reference cannot parse: %s", line);
		for (unsigned pass = 0; pass < (op == 'M' ? 2u : 1u); pass++) {
			for (unsigned long long off = 0; off < s; off += 64) {
				if (len == cap) {
					cap = cap ? 2 * cap : 1 << 16;
					v = realloc(v, cap * sizeof(*v));
					assert_non_null(v);
				}
				v[len++] = (struct trace_rec){
					.addr = a + off,
					.size = (uint8_t)(s - off < 64 ? s - off : 64),
					.kind = op == 'I' ? TRACE_FETCH :
						op == 'S' || (op == 'M' && pass) ? TRACE_WRITE :
						TRACE_READ,
				};
			}
		}
	}
	fclose(f);
	*n = len;
	return v;
}

static void test_real_valgrind(void **state)
{
	char *dir, *lk, *nat, *natz, cmd[1024];
	struct trace_rec *ref, *got, *back;
	size_t nref, ngot, nback;

	if (!th_have("valgrind"))
		skip();
	dir = th_mkdir();
	lk = th_path(dir, "true.lackey");
	nat = th_path(dir, "true.trace");
	natz = th_path(dir, "true.trace.zst");
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=lackey --trace-mem=yes --log-file='%s' /bin/true", lk);
	assert_int_equal(system(cmd), 0);

	ref = reference_parse(lk, &nref);
	got = th_load(lk, 4096, &ngot);
	assert_true(nref > 10000);	/* the loader alone makes ~100k accesses */
	assert_int_equal(ngot, nref);
	assert_memory_equal(got, ref, nref * sizeof(*ref));

	/* lackey -> native (plain and zstd) -> the same records */
	th_write_trace(nat, 0, got, ngot);
	th_write_trace(natz, TRACE_ZSTD, got, ngot);
	back = th_load(nat, 1000, &nback);
	assert_int_equal(nback, nref);
	assert_memory_equal(back, ref, nref * sizeof(*ref));
	free(back);
	back = th_load(natz, 4096, &nback);
	assert_int_equal(nback, nref);
	assert_memory_equal(back, ref, nref * sizeof(*ref));
	free(back);

	/* The lackey text compressed by the zstd tool reads the same. */
	if (th_have("zstd")) {
		snprintf(cmd, sizeof(cmd), "zstd -q '%s' -o '%s.zst'", lk, lk);
		assert_int_equal(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s.zst", lk);
		back = th_load(cmd, 4096, &nback);
		assert_int_equal(nback, nref);
		assert_memory_equal(back, ref, nref * sizeof(*ref));
		free(back);
	}
	free(ref);
	free(got);
	free(lk);
	free(nat);
	free(natz);
	th_rmdir(dir);
}

/* The reference above is an oracle only if it can disagree: one changed
 * line must make the two parses differ. */
static void test_reference_can_fire(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "x.lackey");
	struct trace_rec *ref, *got;
	size_t nref, ngot;
	const char *text = "I  10,4\n M 20,8\n";

	th_write_file(p, text, strlen(text));
	ref = reference_parse(p, &nref);
	got = th_load(p, 16, &ngot);
	assert_int_equal(nref, 3);
	assert_memory_equal(ref, got, sizeof(*ref) * 3);
	ref[2].kind = TRACE_READ;	/* as if M were a read only */
	assert_memory_not_equal(ref, got, sizeof(*ref) * 3);
	free(ref);
	free(got);
	free(p);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snippet),
		cmocka_unit_test(test_wide_access),
		cmocka_unit_test(test_crlf_blank),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_real_valgrind),
		cmocka_unit_test(test_reference_can_fire),
	};

	return cmocka_run_group_tests_name("traces/lackey", tests, NULL, NULL);
}

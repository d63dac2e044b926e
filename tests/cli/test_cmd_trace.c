// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpsim trace info|convert|gen`, run in-process: exit statuses, the exact
 * one-line errors, the info report, and no output file after a failure.
 */
#include "tests/traces/helpers.h"

#include "cli/cli.h"
#include "sim/core/compiler.h"

struct cmd_out {
	int rc;
	char *out, *err;	/* what it printed */
};

static char *slurp(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	s = malloc((size_t)n + 1);
	rewind(f);
	s[fread(s, 1, (size_t)n, f)] = '\0';
	return s;
}

/* Runs cmd_trace with the NULL-terminated arguments after "trace". */
static struct cmd_out run_trace(const char *arg, ...)
{
	char *argv[32] = { "trace" };
	int argc = 1, save_out = dup(1), save_err = dup(2);
	FILE *fo = tmpfile(), *fe = tmpfile();
	struct cmd_out r;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	r.rc = cmd_trace(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(save_out);
	close(save_err);
	r.out = slurp(fo);
	r.err = slurp(fe);
	fclose(fo);
	fclose(fe);
	return r;
}

static void cmd_out_free(struct cmd_out *r)
{
	free(r->out);
	free(r->err);
}

static void test_gen_info(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "s.trace");
	struct cmd_out r = run_trace("gen", "--pattern", "stride", "--ws", "16K", "--stride=4096",
				 "--count", "10", "--vcpus", "2", "--base", "0x10000",
				 "--writes", "1", "-o", p, NULL);
	struct trace_rec *v;
	size_t n;
	char want[1024];

	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "");
	cmd_out_free(&r);
	v = th_load(p, 4096, &n);
	assert_int_equal(n, 10);
	assert_int_equal(v[0].addr, 0x10000);
	assert_int_equal(v[1].vcpu, 1);
	assert_int_equal(v[1].addr, 0x14000);	/* vCPU 1's private 16K */
	assert_int_equal(v[2].addr, 0x11000);
	free(v);

	r = run_trace("info", p, NULL);
	assert_int_equal(r.rc, 0);
	snprintf(want, sizeof(want),
		 "file     %s\n"
		 "format   native\n"
		 "address  guest-physical\n"
		 "records  10\n"
		 "vcpus    2 (ids 0..1)\n"
		 "reads    0 (0.0%%)\n"
		 "writes   10 (100.0%%)\n"
		 "fetches  0 (0.0%%)\n"
		 "bytes    80\n"
		 "range    0x10000..0x17007\n"
		 "pages    8 (4 KiB)\n", p);
	assert_string_equal(r.out, want);
	cmd_out_free(&r);
	free(p);
	th_rmdir(dir);
}

static void test_convert(void **state)
{
	char *dir = th_mkdir(), *lk = th_path(dir, "a.lackey"), *nat = th_path(dir, "a.trace");
	const char *text = "==1== x\nI  1000,4\n M 2ff8,16\n";
	struct trace_rec *v;
	struct cmd_out r;
	size_t n;

	th_write_file(lk, text, strlen(text));
	r = run_trace("convert", lk, nat, "--zstd", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	cmd_out_free(&r);
	v = th_load(nat, 16, &n);
	assert_int_equal(n, 3);
	assert_true(v[0].addr == 0x1000 && v[0].kind == TRACE_FETCH);
	assert_true(v[1].addr == 0x2ff8 && v[1].kind == TRACE_READ && v[1].size == 16);
	assert_true(v[2].addr == 0x2ff8 && v[2].kind == TRACE_WRITE);
	free(v);
	r = run_trace("info", nat, NULL);
	assert_int_equal(r.rc, 0);
	assert_contains(r.out, "format   native+zstd\n");
	assert_contains(r.out, "pages    3 (4 KiB)\n");	/* 0x1000, 0x2000, 0x3000 */
	cmd_out_free(&r);
	free(lk);
	free(nat);
	th_rmdir(dir);
}

/* A bad input: exit 2, one line naming file and line, and no output file. */
static void test_convert_bad_input(void **state)
{
	char *dir = th_mkdir(), *lk = th_path(dir, "b.lackey"), *out = th_path(dir, "b.trace");
	const char *text = "I  1000,4\n L 2000,8\n L 3000\n";
	char want[1024];
	struct cmd_out r;

	th_write_file(lk, text, strlen(text));
	r = run_trace("convert", lk, out, NULL);
	assert_int_equal(r.rc, 2);
	snprintf(want, sizeof(want), "tdpsim: %s:3: bad address: \" L 3000\"\n", lk);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	assert_false(th_file_exists(out));
	assert_int_equal(th_count_files(dir), 1);	/* no temporary either */
	cmd_out_free(&r);

	r = run_trace("info", lk, NULL);
	assert_int_equal(r.rc, 2);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	cmd_out_free(&r);
	free(lk);
	free(out);
	th_rmdir(dir);
}

static void test_usage_errors(void **state)
{
	static const char *const cases[][6] = {
		{ "info", NULL },
		{ "info", "a", "b", NULL },
		{ "convert", "a", NULL },
		{ "convert", "a", "b", "--format", "xml", NULL },
		{ "gen", "--pattern", "zigzag", "-o", "x", NULL },
		{ "gen", "--colour", "red", "-o", "x", NULL },
		{ "gen", "--pattern", "seq", NULL },
		{ "gen", "--size", "100", "-o", "/tmp/tdpsim-never", NULL },
		{ "frobnicate", NULL },
		{ NULL },
	};
	static const char *const msgs[] = {
		"usage: tdpsim trace info",
		"tdpsim: trace info: unexpected argument 'b'\n",
		"usage: tdpsim trace convert",
		"tdpsim: trace convert: unknown format 'xml'\n",
		"tdpsim: trace gen: pattern: bad value 'zigzag' (seq|stride|uniform|zipf)\n",
		"tdpsim: trace gen: unexpected argument '--colour' (tdpsim trace gen --help)\n",
		"tdpsim: trace gen: -o OUT is required\n",
		"tdpsim: trace gen: size: must be 1..64 bytes\n",
		"tdpsim: trace: unknown subcommand 'frobnicate'\n",
		"usage: tdpsim trace info",
	};

	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		const char *const *c = cases[i];
		struct cmd_out r = run_trace(c[0], c[0] ? c[1] : NULL, c[0] && c[1] ? c[2] : NULL,
					 c[0] && c[1] && c[2] ? c[3] : NULL,
					 c[0] && c[1] && c[2] && c[3] ? c[4] : NULL, NULL);

		assert_int_equal(r.rc, 2);
		assert_contains(r.err, msgs[i]);
		cmd_out_free(&r);
	}
	assert_false(th_file_exists("/tmp/tdpsim-never"));
}

static void test_help(void **state)
{
	static const char *const subs[] = { "info", "convert", "gen" };
	struct cmd_out r = run_trace("--help", NULL);

	assert_int_equal(r.rc, 0);
	assert_contains(r.out, "tdpsim trace convert IN OUT");
	cmd_out_free(&r);
	for (int i = 0; i < 3; i++) {
		r = run_trace(subs[i], "--help", NULL);
		assert_int_equal(r.rc, 0);
		assert_contains(r.out, "usage: tdpsim trace ");
		assert_contains(r.out, subs[i]);
		assert_string_equal(r.err, "");
		cmd_out_free(&r);
	}
	r = run_trace("gen", "--help", NULL);
	assert_contains(r.out, "--zipf     zipf exponent s > 0 (zipf) [1.0]\n");
	cmd_out_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_info),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_convert_bad_input),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests_name("traces/cmd_trace", tests, NULL, NULL);
}

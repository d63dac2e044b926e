// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF segments: /bin/true's PT_LOAD headers, checked against readelf's view
 * of the same file; non-ELF input is refused with the file's name.
 */
#include "tests/traces/helpers.h"
#include "sim/core/compiler.h"

struct want_seg {
	unsigned long long vaddr, memsz;
	unsigned prot;
};

/* The reference: `readelf -lW`, LOAD lines, flags as letters. */
static size_t readelf_loads(const char *path, struct want_seg *w, size_t max)
{
	char cmd[512], line[512];
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned long long off, va, pa, fsz, msz;
		char *flags;
		int k = 0;

		if (sscanf(line, " LOAD %llx %llx %llx %llx %llx %n", &off, &va, &pa, &fsz,
			   &msz, &k) != 5 || !k)
			continue;
		flags = line + k;
		w[n].vaddr = va;
		w[n].memsz = msz;
		w[n].prot = (flags[0] == 'R' ? TRACE_SEG_R : 0) |
			    (flags[1] == 'W' ? TRACE_SEG_W : 0) |
			    (flags[2] == 'E' ? TRACE_SEG_X : 0);
		n++;
	}
	pclose(f);
	return n;
}

static void test_bin_true(void **state)
{
	struct trace_seg *segs;
	struct want_seg want[32];
	size_t n, nwant;
	char err[256];
	unsigned all = 0;

	assert_int_equal(trace_elf_segments("/bin/true", &segs, &n, err, sizeof(err)), 0);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		assert_true(segs[i].start < segs[i].end);
		assert_int_equal(segs[i].start % 4096, 0);
		assert_int_equal(segs[i].end % 4096, 0);
		all |= 1u << segs[i].prot;
	}
	/* a text segment (R+X) and a data segment (R+W) */
	assert_true(all & 1u << (TRACE_SEG_R | TRACE_SEG_X));
	assert_true(all & 1u << (TRACE_SEG_R | TRACE_SEG_W));
	if (th_have("readelf")) {
		nwant = readelf_loads("/bin/true", want, 32);
		assert_int_equal(n, nwant);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(segs[i].start, want[i].vaddr & ~4095ull);
			assert_int_equal(segs[i].end, (want[i].vaddr + want[i].memsz + 4095) & ~4095ull);
			assert_int_equal(segs[i].prot, want[i].prot);
		}
	}
	free(segs);
}

static void test_not_elf(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "x"), err[256], want[512];
	struct trace_seg *segs;
	size_t n;

	th_write_file(p, "hello, world\n", 13);
	assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not an ELF file", p);
	assert_string_equal(err, want);
	assert_null(segs);
	assert_int_equal(n, 0);
	th_write_file(p, "", 0);
	assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* an ELF magic with nothing behind it */
	th_write_file(p, "\x7f" "ELF\x02\x01\x01", 7);
	assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), -1);
	assert_contains(err, p);
	assert_int_equal(trace_elf_segments("/nonexistent", &segs, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent: No such file or directory");
	free(p);
	th_rmdir(dir);
}

/*
 * A program cut short, or with the wrong class byte, is refused (it used to
 * give "no segments" and the replay mapped nothing).  /bin/true is a 64-bit
 * ELF whose program headers start at e_phoff (byte 64 on Debian 12, 56 bytes
 * each) and whose PT_LOAD segments end past the first pages: every prefix
 * cut inside either is "truncated"; class byte 1 (ELFCLASS32) on a 64-bit
 * layout reads no program headers; class 3 is no class at all.
 */
static void test_truncated_and_class(void **state)
{
	char *dir = th_mkdir(), *p = th_path(dir, "t"), err[256];
	static char buf[1 << 20];
	struct trace_seg *segs;
	size_t n, len;
	FILE *f = fopen("/bin/true", "rb");
	static const size_t cuts[] = { 64, 100, 300, 5000 };

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(len > 5000 && len < sizeof(buf));
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		th_write_file(p, buf, cuts[i]);
		assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), -1);
		assert_contains(err, p);
		assert_contains(err, "truncated");
		assert_null(segs);
		assert_int_equal(n, 0);
	}
	buf[4] = 1; /* EI_CLASS: ELFCLASS32 */
	th_write_file(p, buf, len);
	assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), -1);
	assert_contains(err, p);
	buf[4] = 3; /* no such class */
	th_write_file(p, buf, len);
	assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), -1);
	assert_contains(err, "not an ELF file");
	buf[4] = 2;
	th_write_file(p, buf, len);
	assert_int_equal(trace_elf_segments(p, &segs, &n, err, sizeof(err)), 0);
	assert_true(n >= 2);
	free(segs);
	/* A folder is not a program. */
	assert_int_equal(trace_elf_segments(dir, &segs, &n, err, sizeof(err)), -1);
	assert_contains(err, "not a regular file");
	free(p);
	th_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bin_true),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_truncated_and_class),
	};

	return cmocka_run_group_tests_name("traces/elf", tests, NULL, NULL);
}

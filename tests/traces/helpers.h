/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the trace tests: a scratch directory, whole-file I/O,
 * reading a whole trace, and a deterministic record mix.
 */
#ifndef TESTS_TRACES_HELPERS_H
#define TESTS_TRACES_HELPERS_H

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "traces/trace.h"

/* A fresh directory under /tmp, removed (with its files) by th_rmdir(). */
static inline char *th_mkdir(void)
{
	char *d = strdup("/tmp/tdpsim-test-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static inline void th_rmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	free(dir);
}

/* Number of entries in DIR (to prove no temporary file was left). */
static inline int th_count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static inline char *th_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static inline void th_write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Whole file into a malloc'd buffer; *N gets its size. */
static inline uint8_t *th_read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, got;

	assert_non_null(f);
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	*n = len;
	return buf;
}

static inline int th_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Reads all of R in batches of BATCH; returns the records (malloc'd), *N
 * their number.  Fails the test on a read error. */
static inline struct trace_rec *th_read_all(struct trace_reader *r, size_t batch, size_t *n)
{
	struct trace_rec *v = NULL;
	size_t cap = 0, len = 0;
	long got;

	for (;;) {
		if (cap - len < batch) {
			cap = (cap + batch) * 2;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		got = trace_read(r, v + len, batch);
		if (got < 0)
			fail_msg("unexpected read error: %s", trace_error(r));
		if (got == 0)
			break;
		len += (size_t)got;
	}
	*n = len;
	return v;
}

/* Opens PATH and reads all of it (see th_read_all). */
static inline struct trace_rec *th_load(const char *path, size_t batch, size_t *n)
{
	char err[512];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	struct trace_rec *v;

	if (!r)
		fail_msg("cannot open: %s", err);
	v = th_read_all(r, batch, n);
	trace_close(r);
	return v;
}

/* N deterministic, varied records: all kinds, sizes 1..64, vCPUs 0..3,
 * addresses across the 64-bit space, gaps if GAPS. */
static inline void th_fill_recs(struct trace_rec *v, size_t n, int gaps)
{
	uint64_t x = 0x1234567;

	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		v[i] = (struct trace_rec){
			.addr = x ^ (x << 13),
			.gap = gaps ? (uint32_t)(x >> 40) : 0,
			.vcpu = (uint16_t)(i % 4),
			.kind = (uint8_t)((x >> 20) % 3),
			.size = (uint8_t)(1 + (x >> 33) % 64),
		};
	}
}

/* Writes N records to PATH with FLAGS; fails the test on error. */
static inline void th_write_trace(const char *path, unsigned flags,
				  const struct trace_rec *v, size_t n)
{
	char err[512];
	struct trace_writer *w = trace_create(path, flags, err, sizeof(err));

	if (!w)
		fail_msg("create: %s", err);
	assert_int_equal(trace_write(w, v, n), 0);
	if (trace_finish(w, err, sizeof(err)) < 0)
		fail_msg("finish: %s", err);
}

static inline int th_have(const char *prog)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* Asserts that S contains SUB, showing both on failure. */
#define assert_contains(s, sub)							\
	do {									\
		const char *s_ = (s), *sub_ = (sub);				\
		if (!strstr(s_, sub_))						\
			fail_msg("\"%s\" does not contain \"%s\"", s_, sub_);	\
	} while (0)

#endif /* TESTS_TRACES_HELPERS_H */

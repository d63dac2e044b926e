// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-256 of a file, through Nettle: the content hash results record for
 * the inputs of a run, the same digest sha256sum prints.
 */
#include "cli/cli.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>

int cli_sha256_file(const char *path, char out[65], uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static uint8_t buf[1 << 16];
	struct sha256_ctx c;
	uint64_t len = 0;
	size_t n;
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		sha256_update(&c, n, buf);
		len += n;
	}
	int e = ferror(f) ? EIO : 0;
	fclose(f);
	if (e) {
		errno = e;
		return -1;
	}
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&c, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	*size = len;
	return 0;
}

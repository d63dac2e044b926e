// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files (--json, --log, job lists, campaign summaries).
 *
 * A new path or a regular file is written through PATH.tmp.PID and renamed
 * over PATH at the end, so a failed write leaves no partial file and an
 * earlier file stays whole.  Anything else is not replaced: a rename would
 * turn a FIFO, a terminal or /dev/stdout into a regular file (as root, the
 * system's /dev/stdout symlink became one) and a symlink into a file of its
 * own.  A symlink, a FIFO, a character device or a socket is opened and
 * written directly (a link to /proc/self/fd/1 may be a shell's append to a
 * log: a rename beside its target would replace the log); a folder is
 * refused.
 */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	struct stat st;
	if (lstat(path, &st)) {
		if (errno != ENOENT)
			return -1;
		st.st_mode = S_IFREG; /* a new file */
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		/* /dev/stdout, /dev/fd/2 and their like: our own stream, not
		 * a new open of what it names (that would truncate a file the
		 * shell opened to append, and lose the order of the output). */
		struct stat t, fd;
		if (stat(path, &t) == 0)
			for (int i = 1; i <= 2; i++)
				if (fstat(i, &fd) == 0 && fd.st_dev == t.st_dev &&
				    fd.st_ino == t.st_ino) {
					o->f = i == 1 ? stdout : stderr;
					o->std = true;
					return 0;
				}
		o->f = fopen(path, "w");
		return o->f ? 0 : -1;
	}
	o->path = strdup(path);
	o->tmp = cli_fmt("%s.tmp.%d", o->path, (int)getpid());
	o->f = fopen(o->tmp, "w");
	if (!o->f) {
		int e = errno;
		outfile_abort(o);
		errno = e;
		return -1;
	}
	return 0;
}

int outfile_commit(struct outfile *o)
{
	int rc = 0, e = 0;
	if (ferror(o->f))
		rc = -1, e = EIO;
	if ((o->std ? fflush(o->f) : fclose(o->f)) && !rc)
		rc = -1, e = errno;
	o->f = NULL;
	if (!rc && o->tmp && rename(o->tmp, o->path))
		rc = -1, e = errno;
	if (rc && o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	errno = e;
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o->f && !o->std)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

int cli_write_file(const char *path, const char *what,
		   int (*write)(FILE *f, void *ctx), void *ctx)
{
	struct outfile of = { .f = stdout, .std = true };
	int e = 0;
	if (strcmp(path, "-") && outfile_open(&of, path)) {
		e = errno;
	} else if (write(of.f, ctx) || ferror(of.f)) {
		e = errno ? errno : EIO;
		if (of.std)
			fflush(of.f);
		else
			outfile_abort(&of);
	} else if (outfile_commit(&of)) {
		e = errno;
	}
	if (!e)
		return 0;
	cli_bad("%s: cannot write%s%s (%s)", path, what ? " " : "", what ? what : "",
		strerror(e ? e : EIO));
	return -1;
}

static int write_json(FILE *f, void *root)
{
	return json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	       fputc('\n', f) == EOF ? -1 : 0;
}

int cli_write_json(json_t *root, const char *path, const char *what)
{
	return cli_write_file(path, what, write_json, root);
}

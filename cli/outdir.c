// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output folders (struct outdir, cli.h): written through a staging folder
 * beside or inside the destination, moved into place by outdir_commit, and
 * removed by a janitor process if tdpsim dies first.  compare and report
 * write their reports this way; single files go through cli/outfile.c.
 */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int rm_cb(const char *path, const struct stat *sb, int flag,
		 struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The janitor: a process forked beside each staging folder that removes it
 * when tdpsim dies before committing or aborting it (SIGINT, SIGTERM, the
 * OOM killer, a crash: the staging folder stayed forever).  It waits for a
 * byte on a pipe only tdpsim holds; end of file without that byte means
 * tdpsim is gone.  It ignores the terminal's and the group's SIGINT, SIGTERM
 * and SIGHUP, which are meant for tdpsim.  Forked workers close their copy
 * of the pipe (outdir_in_child), or it would stay open as long as they run.
 */
static int janitor_fd = -1;

static void janitor_start(struct outdir *od)
{
	int p[2];
	if (pipe(p))
		return; /* no janitor: stale folders go at the next run */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		close(p[1]);
		for (int fd = 3; fd < 256; fd++)
			if (fd != p[0])
				close(fd);
		char c;
		ssize_t n;
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n <= 0)
			rm_rf(od->stage);
		_exit(0);
	}
	close(p[0]);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	od->janitor = pid;
	janitor_fd = od->jfd = p[1];
}

static void janitor_stop(struct outdir *od)
{
	if (!od->janitor)
		return;
	/* A janitor that was killed must not take us with it (SIGPIPE). */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	if (write(od->jfd, "x", 1) != 1) {
		/* It then cleans what is left of the stage, which is nothing. */
	}
	signal(SIGPIPE, old);
	close(od->jfd);
	janitor_fd = -1;
	while (waitpid(od->janitor, NULL, 0) < 0 && errno == EINTR)
		;
	od->janitor = 0;
}

void outdir_in_child(void)
{
	if (janitor_fd >= 0)
		close(janitor_fd);
	janitor_fd = -1;
}

/* Removes the staging folders of tdpsim processes that are gone: NAME.PID
 * entries of @dir whose NAME is one of ours and whose PID is not running. */
static void remove_stale(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t pl = strlen(prefix);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, pl))
			continue;
		char *end;
		errno = 0;
		long pid = strtol(e->d_name + pl, &end, 10);
		if (errno || *end || pid <= 0 || pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *path = cli_fmt("%s/%s", dir, e->d_name);
		rm_rf(path);
		free(path);
	}
	closedir(d);
}

int outdir_open(struct outdir *od, const char *dir)
{
	memset(od, 0, sizeof(*od));
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!n)
		return cli_bad("empty output folder name"), -1;
	od->dir = strndup(dir, n);
	struct stat st;
	int rc = 0;
	if (stat(od->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			rc = cli_bad("%s: exists and is not a folder", od->dir);
			goto fail;
		}
		od->stage = cli_fmt("%s/.tdpsim-stage.%d", od->dir, (int)getpid());
	} else {
		char *slash = strrchr(od->dir, '/');
		if (slash && slash != od->dir) {
			*slash = 0;
			rc = cli_mkdirs(od->dir);
			*slash = '/';
			if (rc) {
				cli_bad("%s: cannot create its parent folder", od->dir);
				goto fail;
			}
		}
		od->stage = cli_fmt("%s.tdpsim-tmp.%d", od->dir, (int)getpid());
		od->fresh = true;
	}
	/* Folders a killed tdpsim left behind (before the janitor, or a
	 * SIGKILL of the whole process group). */
	if (od->fresh) {
		char *parent = strdup(od->dir), *slash = strrchr(parent, '/');
		const char *base = slash ? slash + 1 : od->dir;
		if (slash)
			slash[slash == parent] = 0;
		char *prefix = cli_fmt("%s.tdpsim-tmp.", base);
		remove_stale(slash ? parent : ".", prefix);
		free(prefix);
		free(parent);
	} else {
		remove_stale(od->dir, ".tdpsim-stage.");
		remove_stale(od->dir, ".tdpsim-old.");
	}
	if (mkdir(od->stage, 0777)) {
		cli_bad("%s: cannot create (%s)", od->stage, strerror(errno));
		free(od->stage); /* not ours to remove */
		od->stage = NULL;
		goto fail;
	}
	janitor_start(od);
	return 0;
fail:
	/* Nothing was created: free the names (they leaked, and under ASan
	 * the leak report turned this exit 2 into exit 1). */
	outdir_abort(od);
	return -1;
}

void outdir_abort(struct outdir *od)
{
	if (od->stage)
		rm_rf(od->stage);
	janitor_stop(od);
	free(od->stage);
	free(od->dir);
	memset(od, 0, sizeof(*od));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the entries of @dir (not . and ..), sorted; -1 if unreadable. */
int cli_list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	*names = NULL;
	*n = 0;
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		GROW(*names, *n);
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(char *), cmp_str);
	return 0;
}

void cli_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int outdir_commit(struct outdir *od, const char *const *owned, size_t nowned)
{
	int rc = 0;
	if (od->fresh) {
		if (rename(od->stage, od->dir)) {
			rc = cli_bad("%s: cannot rename %s into place (%s)", od->dir,
				     od->stage, strerror(errno));
			outdir_abort(od);
			return -1;
		}
		free(od->stage);
		od->stage = NULL;
		outdir_abort(od);
		return 0;
	}
	/* Replace the entries one by one; what they replace (and what an
	 * earlier report wrote that this one does not) goes to @old. */
	char *old = cli_fmt("%s/.tdpsim-old.%d", od->dir, (int)getpid());
	char **names;
	size_t n;
	if (mkdir(old, 0777) || cli_list_dir(od->stage, &names, &n)) {
		cli_bad("%s: cannot write (%s)", od->dir, strerror(errno));
		rm_rf(old);
		free(old);
		outdir_abort(od);
		return -1;
	}
	for (size_t i = 0; i < nowned; i++) {
		char *dst = cli_fmt("%s/%s", od->dir, owned[i]);
		char *to = cli_fmt("%s/%s", old, owned[i]);
		struct stat st;
		if (lstat(dst, &st) == 0)
			rename(dst, to);
		free(dst);
		free(to);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char *src = cli_fmt("%s/%s", od->stage, names[i]);
		char *dst = cli_fmt("%s/%s", od->dir, names[i]);
		char *to = cli_fmt("%s/%s", old, names[i]);
		struct stat st;
		if (lstat(dst, &st) == 0)
			rename(dst, to);
		if (rename(src, dst))
			rc = cli_bad("%s: cannot write (%s)", dst, strerror(errno));
		free(src);
		free(dst);
		free(to);
	}
	cli_free_names(names, n);
	rm_rf(old);
	free(old);
	outdir_abort(od);
	return rc ? -1 : 0;
}

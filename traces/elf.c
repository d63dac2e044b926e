/*
 * The PT_LOAD segments of an ELF executable, for replaying that program's
 * trace in a guest address space laid out as the program was: text R+X, data
 * R+W, each as the program header says.  Only the layout is read, never the
 * contents.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/trace.h"

#define SEG_PAGE 4096ull

static int elf_fail(char *err, size_t errlen, const char *path, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

static unsigned prot_of(GElf_Word pflags)
{
	return (pflags & PF_R ? TRACE_SEG_R : 0) | (pflags & PF_W ? TRACE_SEG_W : 0) |
	       (pflags & PF_X ? TRACE_SEG_X : 0);
}

/* Collects the PT_LOAD headers of an open ELF; 0 or a message. */
static const char *collect(Elf *e, struct trace_seg **segs, size_t *nsegs)
{
	size_t phnum, n = 0;
	struct trace_seg *v;

	if (elf_kind(e) != ELF_K_ELF)
		return "not an ELF file";
	if (elf_getphdrnum(e, &phnum) != 0)
		return "no program headers";
	v = calloc(phnum ? phnum : 1, sizeof(*v));
	if (!v)
		return "out of memory";
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			free(v);
			return "bad program header";
		}
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr ||
		    ph.p_vaddr + ph.p_memsz > UINT64_MAX - SEG_PAGE) {
			free(v);
			return "PT_LOAD segment wraps the address space";
		}
		v[n].start = ph.p_vaddr & ~(SEG_PAGE - 1);
		v[n].end = (ph.p_vaddr + ph.p_memsz + SEG_PAGE - 1) & ~(SEG_PAGE - 1);
		v[n].prot = prot_of(ph.p_flags);
		n++;
	}
	*segs = v;
	*nsegs = n;
	return NULL;
}

int trace_elf_segments(const char *path, struct trace_seg **segs, size_t *nsegs,
		       char *err, size_t errlen)
{
	const char *why;
	Elf *e;
	int fd;

	*segs = NULL;
	*nsegs = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(err, errlen, path, "libelf is out of date");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return elf_fail(err, errlen, path, strerror(errno));
	e = elf_begin(fd, ELF_C_READ, NULL);
	why = e ? collect(e, segs, nsegs) : elf_errmsg(-1);
	if (e)
		elf_end(e);
	close(fd);
	return why ? elf_fail(err, errlen, path, why) : 0;
}

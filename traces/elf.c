// SPDX-License-Identifier: GPL-2.0-only
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
#include <sys/stat.h>
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

/*
 * Collects the PT_LOAD headers of an open ELF of @size bytes; NULL or a
 * message.  libelf reads what is there: a file cut short inside its
 * program headers, or one whose class byte does not match its layout, came
 * back as "no segments" and the replay mapped nothing.  The header is held
 * to its class and the headers to the file, and a program with no PT_LOAD
 * segment is refused: --elf names a program to lay out.
 */
static const char *collect(Elf *e, uint64_t size, struct trace_seg **segs,
			   size_t *nsegs, char *why, size_t whylen)
{
	size_t phnum, n = 0;
	struct trace_seg *v;
	GElf_Ehdr eh;
	int cls;

	if (elf_kind(e) != ELF_K_ELF)
		return "not an ELF file";
	cls = gelf_getclass(e);
	if (cls != ELFCLASS32 && cls != ELFCLASS64)
		return "not an ELF file (bad class)";
	if (!gelf_getehdr(e, &eh))
		return "truncated or corrupt ELF header";
	if (elf_getphdrnum(e, &phnum) != 0 || phnum == 0) {
		if (!eh.e_phnum) {
			snprintf(why, whylen, "no program headers (read as ELFCLASS%d)",
				 cls == ELFCLASS64 ? 64 : 32);
			return why;
		}
		/* libelf gives none when they do not fit in the file. */
		snprintf(why, whylen, "truncated or corrupt: the header declares %u "
			 "program headers of %u bytes at byte %llu, the file has %llu",
			 (unsigned)eh.e_phnum, (unsigned)eh.e_phentsize,
			 (unsigned long long)eh.e_phoff, (unsigned long long)size);
		return why;
	}
	if (eh.e_phentsize != (cls == ELFCLASS64 ? sizeof(Elf64_Phdr)
						 : sizeof(Elf32_Phdr))) {
		snprintf(why, whylen, "program header entries of %u bytes, not %zu "
			 "as an ELFCLASS%d file has (wrong class or corrupt)",
			 (unsigned)eh.e_phentsize,
			 cls == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr),
			 cls == ELFCLASS64 ? 64 : 32);
		return why;
	}
	/* libelf may count only the headers that fit: hold it to the
	 * header's own count (PN_XNUM: the count is in section 0). */
	if (eh.e_phnum != PN_XNUM && phnum < eh.e_phnum)
		phnum = eh.e_phnum;
	if (eh.e_phoff > size || phnum > (size - eh.e_phoff) / eh.e_phentsize) {
		snprintf(why, whylen, "truncated: %zu program headers at byte %llu "
			 "need %llu bytes, the file has %llu", phnum,
			 (unsigned long long)eh.e_phoff,
			 (unsigned long long)eh.e_phoff +
				 (unsigned long long)phnum * eh.e_phentsize,
			 (unsigned long long)size);
		return why;
	}
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
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
			free(v);
			snprintf(why, whylen, "truncated: PT_LOAD segment %zu ends at byte "
				 "%llu, the file has %llu", i,
				 (unsigned long long)ph.p_offset +
					 (unsigned long long)ph.p_filesz,
				 (unsigned long long)size);
			return why;
		}
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
	if (n == 0) {
		free(v);
		return "no PT_LOAD segment: nothing to lay out";
	}
	*segs = v;
	*nsegs = n;
	return NULL;
}

/* Opens the regular file @path for libelf: the descriptor in *@fd, its
 * size in *@size and the handle (NULL if libelf refused it: elf_errmsg()
 * says why) in *@e.  0, or -1 + message. */
static int elf_open(const char *path, int *fd, Elf **e, uint64_t *size, char *err,
		    size_t errlen)
{
	struct stat st;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(err, errlen, path, "libelf is out of date");
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return elf_fail(err, errlen, path, strerror(errno));
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
		close(*fd);
		return elf_fail(err, errlen, path, "not a regular file");
	}
	*size = (uint64_t)st.st_size;
	*e = elf_begin(*fd, ELF_C_READ, NULL);
	return 0;
}

int trace_elf_segments(const char *path, struct trace_seg **segs, size_t *nsegs,
		       char *err, size_t errlen)
{
	const char *why;
	char msg[200];
	uint64_t size;
	Elf *e;
	int fd;

	*segs = NULL;
	*nsegs = 0;
	if (elf_open(path, &fd, &e, &size, err, errlen))
		return -1;
	why = e ? collect(e, size, segs, nsegs, msg, sizeof(msg)) : elf_errmsg(-1);
	if (e)
		elf_end(e);
	close(fd);
	return why ? elf_fail(err, errlen, path, why) : 0;
}

/* The NT_GNU_BUILD_ID note of the PT_NOTE segments of @e, as hex in @hex
 * ("" if the program has none). */
static void find_build_id(Elf *e, uint64_t size, char *hex, size_t hexlen)
{
	size_t phnum;

	hex[0] = 0;
	if (elf_getphdrnum(e, &phnum) != 0)
		return;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;
		Elf_Data *d;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE ||
		    ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			continue;
		d = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz,
					 ELF_T_NHDR);
		while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			const uint8_t *b = (const uint8_t *)d->d_buf + doff;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + noff, "GNU", 4))
				continue;
			for (size_t k = 0; k < nh.n_descsz && 2 * k + 2 < hexlen; k++)
				snprintf(hex + 2 * k, 3, "%02x", b[k]);
			return;
		}
	}
}

int trace_elf_build_id(const char *path, char *hex, size_t hexlen, char *err,
		       size_t errlen)
{
	uint64_t size;
	Elf *e;
	int fd;

	if (hexlen)
		hex[0] = 0;
	if (elf_open(path, &fd, &e, &size, err, errlen))
		return -1;
	if (e && elf_kind(e) == ELF_K_ELF && hexlen)
		find_build_id(e, size, hex, hexlen);
	if (e)
		elf_end(e);
	close(fd);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * traces — memory-access traces: the native format, importers, a writer.
 *
 * A trace is a stream of accesses (vCPU, kind, size, address, optional cycle
 * gap).  Readers hand them out in batches of struct trace_rec, whatever the
 * file holds: the native format (traces/FORMAT.md), plain or zstd-compressed;
 * Valgrind lackey text; ChampSim instruction traces (xz or plain).  The format
 * and the compression are detected from the content, never from the name.
 *
 * Every reader works in bounded memory: a file is streamed, never loaded.
 * Errors are values: a failing call returns NULL or -1 and leaves one line,
 * "FILE: record N: what" (binary formats; record 0 is the header) or
 * "FILE:LINE: what" (text), in the caller's buffer or in trace_error().
 *
 * The module does no printing and keeps no globals.
 */
#ifndef TRACES_TRACE_H
#define TRACES_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum trace_kind {
	TRACE_READ, TRACE_WRITE, TRACE_FETCH,
	/*
	 * Guest TLB invalidations (the guest kernel's instructions; native
	 * traces only).  They are not accesses: size is ignored (writers put
	 * 1) and addr is the instruction's operand:
	 *	INVLPG         the linear address
	 *	MOV_CR3        the CR3 value: bits 11:0 the PCID, bits 62:12 the
	 *	               address space (the minimal guest OS gives each its
	 *	               own top-level table), bit 63 NOFLUSH
	 *	INVPCID_ADDR   INVPCID type 0: the page's linear address in bits
	 *	               63:12, the PCID in bits 11:0
	 *	INVPCID_CTX    type 1: the PCID in bits 11:0
	 *	INVPCID_ALL    type 2 (global translations too); addr ignored
	 *	INVPCID_ALL_NONGLOBAL  type 3; addr ignored
	 *	INVLPGA        the linear address; AMD only (the ASID is the
	 *	               vCPU's own: KVM intercepts a guest's INVLPGA)
	 */
	TRACE_INVLPG, TRACE_MOV_CR3, TRACE_INVPCID_ADDR, TRACE_INVPCID_CTX,
	TRACE_INVPCID_ALL, TRACE_INVPCID_ALL_NONGLOBAL, TRACE_INVLPGA,
	TRACE_KIND_LAST = TRACE_INVLPGA
};

#define TRACE_CR3_NOFLUSH (UINT64_C(1) << 63)
#define TRACE_CR3_PCID(cr3) ((uint16_t)((cr3) & 0xfff))
#define TRACE_CR3_SPACE(cr3) (((cr3) & ~TRACE_CR3_NOFLUSH) >> 12)

/* A guest TLB invalidation rather than an access? */
static inline int trace_is_flush(uint8_t kind)
{
	return kind > TRACE_FETCH;
}

#define TRACE_MAX_SIZE 64	/* largest access of one record, in bytes */

/*
 * One access.  The layout is also the native on-disk record (little-endian),
 * so that decoding a plain native trace is a copy and a check.
 */
struct trace_rec {
	uint64_t addr;		/* guest virtual (or physical) address */
	uint32_t gap;		/* cycles since this vCPU's previous access; 0 if none */
	uint16_t vcpu;		/* issuing vCPU, 0-based */
	uint8_t kind;		/* enum trace_kind */
	uint8_t size;		/* bytes, 1..TRACE_MAX_SIZE */
};

/* Flags: of trace_create() (ZSTD, GAPS, VADDR or PADDR) and of struct
 * trace_meta (all). */
enum {
	TRACE_GAPS   = 1u << 0,	/* records carry cycle gaps */
	TRACE_COUNTS = 1u << 1,	/* meta.nr_records and meta.nr_vcpus are exact */
	TRACE_VADDR  = 1u << 2,	/* addresses are guest-virtual (lackey, ChampSim) */
	TRACE_PADDR  = 1u << 3,	/* addresses are guest-physical; neither: unstated */
	TRACE_ASPACES = 1u << 4, /* an address-space id per vCPU (native) */
	TRACE_ZSTD   = 1u << 8,	/* the file is (to be) zstd-compressed */
	TRACE_XZ     = 1u << 9,	/* the file is xz-compressed */
};

enum trace_format {
	TRACE_FMT_AUTO,		/* detect from the content */
	TRACE_FMT_NATIVE,
	TRACE_FMT_LACKEY,
	TRACE_FMT_CHAMPSIM,
};

/* What is known about a trace before reading it. */
struct trace_meta {
	unsigned flags;		/* TRACE_* */
	unsigned nr_vcpus;	/* exact with TRACE_COUNTS, else an upper bound or 0 */
	uint64_t nr_records;	/* exact with TRACE_COUNTS, else 0 */
};

/* ---- Reading ---------------------------------------------------------- */

struct trace_reader;

/* Opens PATH, detecting format and compression.  NULL + message on error. */
struct trace_reader *trace_open(const char *path, char *err, size_t errlen);
/* As trace_open(), but FMT may force a format (TRACE_FMT_AUTO detects). */
struct trace_reader *trace_open_format(const char *path, enum trace_format fmt,
				       char *err, size_t errlen);
/* Reads from LEN bytes at DATA (kept by the caller until trace_close()). NAME
 * stands for the file in messages.  For tests and fuzzers. */
struct trace_reader *trace_open_mem(const void *data, size_t len, const char *name,
				    enum trace_format fmt, char *err, size_t errlen);

/* Fills up to MAX records: returns how many, 0 at the end, -1 on error (the
 * batch is then void; every later call fails too). */
long trace_read(struct trace_reader *r, struct trace_rec *recs, size_t max);
/* The message of the last error ("" if none). */
const char *trace_error(const struct trace_reader *r);
/* "native", "native+zstd", "lackey", "champsim+xz", ... */
const char *trace_format_name(const struct trace_reader *r);
const struct trace_meta *trace_meta(const struct trace_reader *r);
/* With TRACE_ASPACES: the address-space id of each vCPU id, nr_vcpus of
 * them (vCPUs with the same id are threads of one process); else NULL. */
const uint32_t *trace_aspaces(const struct trace_reader *r);
void trace_close(struct trace_reader *r);

/* "auto", "native", "lackey", "champsim" -> FMT; 0, or -1 if unknown. */
int trace_format_parse(const char *s, enum trace_format *fmt);

/* ---- Writing (always the native format) -------------------------------- */

struct trace_writer;

/* Writes to a temporary file beside PATH; trace_finish() renames it. */
struct trace_writer *trace_create(const char *path, unsigned flags,
				  char *err, size_t errlen);
/* Gives the vCPUs 0..N-1 the address-space ids IDS (TRACE_ASPACES): call
 * before the first record; records of vCPU N or above are then refused.
 * 0, or -1 (see trace_writer_error()). */
int trace_write_aspaces(struct trace_writer *w, const uint32_t *ids, unsigned n);
/* Appends N records; 0, or -1 on a bad record or I/O error (see
 * trace_writer_error()).  After an error only trace_abort() is useful. */
int trace_write(struct trace_writer *w, const struct trace_rec *recs, size_t n);
const char *trace_writer_error(const struct trace_writer *w);
/* Completes the file and renames it into place; frees W.  0, or -1 + message
 * (and no file at PATH). */
int trace_finish(struct trace_writer *w, char *err, size_t errlen);
/* Removes the temporary file and frees W.  NULL is a no-op. */
void trace_abort(struct trace_writer *w);

/* ---- ELF address spaces ------------------------------------------------ */

enum { TRACE_SEG_R = 1, TRACE_SEG_W = 2, TRACE_SEG_X = 4 };

/* One PT_LOAD segment of an executable, page-rounded. */
struct trace_seg {
	uint64_t start;		/* first byte, rounded down to 4 KiB */
	uint64_t end;		/* one past the last byte, rounded up to 4 KiB */
	unsigned prot;		/* TRACE_SEG_* */
};

/* Reads the PT_LOAD segments of the ELF file PATH into a malloc'd array
 * (*SEGS, *NSEGS; the caller frees it).  0, or -1 + message. */
int trace_elf_segments(const char *path, struct trace_seg **segs, size_t *nsegs,
		       char *err, size_t errlen);
/* The program's GNU build-id (NT_GNU_BUILD_ID) as hex digits in HEX, ""
 * when it has none; 0, or -1 + message when PATH cannot be read. */
int trace_elf_build_id(const char *path, char *hex, size_t hexlen, char *err,
		       size_t errlen);

#endif /* TRACES_TRACE_H */

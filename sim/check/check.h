/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sim/check — the oracles' common ground: violation records and the
 * counterexample that the first one captures.
 *
 * An oracle calls check_report() when ground truth (frame versions and
 * generations, the host's invalidations, the harvested dirty log) contradicts
 * what the guest or KVM did.  Every violation is counted (stat `violations`);
 * the first also snapshots the event-log tail so the command can print the
 * interleaving that led there.  The model never prints: the command does.
 */
#ifndef TDPSIM_SIM_CHECK_H
#define TDPSIM_SIM_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "sim/core/core.h"

/* The oracle kinds of DESIGN §6, plus model self-checks. */
#define CHECK_KINDS(X)                                                       \
	X(LOST_MIGRATION_WRITE, "lost-migration-write")                      \
	X(LOST_FOLIO_WRITE, "lost-folio-write")                              \
	X(STALE_TRANSLATION, "stale-translation")                            \
	X(FREED_PT_WALK, "freed-pt-walk")                                    \
	X(DIRTY_LOG_MISS, "dirty-log-miss")                                  \
	X(STALE_PERMISSION, "stale-permission")                              \
	X(LOST_UPDATE, "lost-update")                                        \
	X(NO_PROGRESS, "no-progress")                                        \
	X(KERNEL_WARN, "kernel-warn")                                        \
	X(MODEL_ASSERT, "model-assert")

#define CHECK_KIND_ENUM(id, name) CHECK_##id,
enum check_kind { CHECK_KINDS(CHECK_KIND_ENUM) CHECK_NKINDS };
#undef CHECK_KIND_ENUM

const char *check_kind_name(enum check_kind k);

struct violation {
	enum check_kind kind;
	cycles_t cycle;
	unsigned thread;
	uint64_t addr;
	char detail[192];
};

struct check;
/* Registers the `violations` and per-kind counters in the run's stats. */
struct check *check_new(struct sim *s);
void check_free(struct check *c);

void check_report(struct check *c, enum check_kind kind, uint64_t addr,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

uint64_t check_count(const struct check *c);
/* Violations kept (the first check.keep of them), in order. */
size_t check_nkept(const struct check *c);
const struct violation *check_get(const struct check *c, size_t i);
/* The event-log tail captured at the first violation, oldest first. */
size_t check_tail_count(const struct check *c);
const struct sim_event *check_tail(const struct check *c, size_t i);

#endif

/*
 * journal.h — the journal: the index's mutations recorded since the last
 * commit, and the two-phase commit that turns them into one log record.
 *
 * The JS layer turns the journal on once a database is open, commits at
 * every flush and stores each record; after a crash it loads the last
 * snapshot and replays the records after it (wal.h). The record format is
 * documented at the top of wal.c.
 */
#ifndef EV_JOURNAL_H
#define EV_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "edgevec.h"

struct ev_journal; /* journal.c */

/* ---- public API ---------------------------------------------------------- */

/* Turns journaling on: from now on every successful mutation of the index
 * is recorded until the next commit. last_seq is the sequence number of the
 * last record already in the log (the snapshot's wal_seq plus the records
 * replayed after it; 0 for a new log); the next commit is last_seq + 1.
 * Anything already recorded is dropped. OUT_OF_MEMORY possible. */
ev_status ev_journal_enable(ev_index *index, uint64_t last_seq);
/* Turns journaling off and drops anything not committed. */
void ev_journal_disable(ev_index *index);
int ev_journal_enabled(const ev_index *index);

/* Sequence number of the last committed record (0 before the first). */
uint64_t ev_journal_last_seq(const ev_index *index);
/* Bytes of mutations recorded and not yet committed (0: nothing to do). */
size_t ev_journal_pending_bytes(const ev_index *index);

/* Commit, phase 1: encodes everything recorded so far as one log record
 * with sequence number last_seq + 1. *out_record points into the journal
 * (valid until ev_journal_end_commit; copy it out), *out_len gets its size
 * and *out_seq its sequence number. With nothing recorded *out_len is 0 and
 * no sequence number is used. Mutations made while the commit is in flight
 * are recorded for the next one. INVALID_ARGUMENT if journaling is off, a
 * commit is already in flight, or something is recorded while
 * ev_journal_needs_snapshot; OUT_OF_MEMORY. */
ev_status ev_journal_begin_commit(ev_index *index, const uint8_t **out_record,
                                  size_t *out_len, uint64_t *out_seq);
/* Commit, phase 2: durable != 0 means the record is stored: its mutations
 * are dropped from the journal and last_seq advances. durable == 0 means
 * storing failed: they stay recorded and go into the next record. A no-op
 * when no commit is in flight. */
void ev_journal_end_commit(ev_index *index, int durable);

/* The sequence number a snapshot of the index's current state must carry:
 * ev_journal_last_seq when nothing is recorded and no commit is in flight.
 * INVALID_ARGUMENT otherwise (commit first: a snapshot that held
 * uncommitted mutations would have them applied twice by the next replay).
 * With journaling off: *out_seq = 0 and EV_OK. */
ev_status ev_journal_snapshot_seq(const ev_index *index, uint64_t *out_seq);

/* After an incremental compaction (ev_compact_finish, edgevec.h) or a
 * reorder (ev_reorder) the slots are numbered anew, while the log
 * describes the old numbering: no record may follow it until a snapshot
 * of the new index is stored, or replay would apply the records to the
 * wrong slots. Until the caller says one is stored
 * (ev_journal_snapshot_stored), ev_journal_needs_snapshot is 1 and
 * ev_journal_begin_commit refuses (INVALID_ARGUMENT) to commit anything.
 * The snapshot to store is one taken right after the renumbering (the
 * journal holds nothing then, so ev_journal_snapshot_seq allows it);
 * mutations made after it stay recorded for the first record after it.
 * That snapshot's sequence number is one past the last record's
 * (ev_journal_last_seq moves on by one, and the next record skips it):
 * a reader that holds every record up to the renumbering and follows the
 * log (a read-only tab) then sees a snapshot past its position and loads
 * it, instead of replaying the later records onto its old numbering. */
int ev_journal_needs_snapshot(const ev_index *index);
/* A snapshot taken after the last ev_compact_finish is stored: commits
 * are allowed again. */
void ev_journal_snapshot_stored(ev_index *index);

/* ---- hooks of the core (not for callers) ---------------------------------
 * Every mutation is offered to the journal (a no-op when none is on) so
 * that a commit can write it to the log. `reserve` runs before a mutation
 * changes anything and may fail with OUT_OF_MEMORY; the `note` calls after
 * it cannot fail. */

/* Before an insert: room to mark the older slots it may relink. */
ev_status ev__journal_reserve_insert(ev_index *ix);
/* An insert is about to change the links of `slot` at `level`, keeping the
 * first `kept` of them in place (journal on only). */
void ev__journal_note_links(ev_index *ix, uint32_t slot, int level,
                            uint32_t kept);
ev_status ev__journal_reserve_delete(ev_index *ix, size_t n);
void ev__journal_note_delete(ev_index *ix, const uint64_t *ids, size_t n);
/* Before a metadata change of n ids (a set: 1; an insert batch: its
 * records with metadata): room to note them. */
ev_status ev__journal_reserve_meta(ev_index *ix, size_t n);
/* After the metadata of live `id` was set, replaced or cleared (a no-op
 * without a journal). The commit writes the id's record as it is then.
 * Without room reserved, the note reserves it; when that fails it falls
 * back to ev__journal_note_meta_all, so a change is never left out. */
void ev__journal_note_meta(ev_index *ix, uint64_t id);
/* The next commit writes the metadata of every live id (for a change that
 * could not be noted by id). */
void ev__journal_note_meta_all(ev_index *ix);
ev_status ev__journal_reserve_compact(ev_index *ix);
void ev__journal_note_compact(ev_index *ix);
/* An incremental compaction swapped in a renumbered index (nothing was
 * pending: ev_compact_finish checks). */
void ev__journal_note_renumbered(ev_index *ix);
void ev__journal_free(ev_index *ix);
/* Bytes the journal holds on the heap (for ev_memory_bytes). */
size_t ev__journal_bytes(const ev_index *ix);

/* Replay (wal.c) takes the journal off the index while it applies records
 * that are already in the log, and gives it back after. Inserts not yet
 * encoded are encoded on detach (the slots replay adds must not join
 * them); on attach a new segment starts at the replayed index's end.
 * detach may fail with OUT_OF_MEMORY (nothing changed); *out is NULL when
 * journaling is off. */
ev_status ev__journal_detach(ev_index *ix, struct ev_journal **out);
void ev__journal_attach(ev_index *ix, struct ev_journal *j);

#endif /* EV_JOURNAL_H */

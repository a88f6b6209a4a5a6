/* fuzz_holders.c - fuzzes the probable-holder search (stack words, frame sps and lock states from the input) and the wait-for graph through it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "holders.h"
#include "lockgraph.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_STK 0x7ff000000000ull
#define FUZZ_NTHR 4

/* Input: a header byte (lock kinds, who waits where), then each thread's stack bytes in turn; the
 * words of each stack double as its frames' sps (so they may be anything, unsorted, out of range). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot *s;
	size_t per;
	uint8_t h;

	if (size < 1)
		return 0;
	h = data[0];
	data++;
	size--;
	per = size / FUZZ_NTHR;
	s = snapshot_new(100);
	snapshot_parse_maps(s, "7ff000000000-7ff000100000 rw-p 00000000 00:00 0 [stack]\n");
	for (int i = 0; i < FUZZ_NTHR; i++) {
		struct thread *t = snapshot_add_thread(s, 10 + i);
		size_t nf = per / 8 < 6 ? per / 8 : 6;

		t->stack_addr = FUZZ_STK + (uint64_t)i * 0x1000;
		t->stack_len = per;
		t->stack = malloc(per ? per : 1);
		if (t->stack == NULL)
			abort();
		memcpy(t->stack, data + (size_t)i * per, per);
		t->frames = calloc(nf ? nf : 1, sizeof *t->frames);
		t->nframes = nf;
		for (size_t f = 0; f < nf; f++) {
			uint64_t w;

			memcpy(&w, t->stack + 8 * f, 8);
			/* half the frames get plausible sps inside the copy, half whatever the input says */
			t->frames[f].sp = (h >> f & 1) ? t->stack_addr + (w % (per + 1)) : w;
			t->frames[f].pc = w;
		}
		t->wait.lock = -1;
		t->wait.root = -1;
	}
	s->locks = calloc(2, sizeof *s->locks);
	s->nlocks = 2;
	for (int k = 0; k < 2; k++) {
		struct lock *l = &s->locks[k];
		uint64_t a = 0;

		if (per >= 8)
			memcpy(&a, data + (size_t)k * per, 8);
		l->address = (h & 0x40) ? a : FUZZ_STK + 0x800 + (uint64_t)k * 64;
		l->kind = (enum lock_kind)((h >> (2 * k)) % LOCK_KIND_COUNT);
		l->size = (uint32_t)(a & 0xff);
		l->readers = (int)(h & 3) - 1;
		l->count = -1;
		l->expected_holders = (int)(h >> 5);
		l->waiters = malloc(sizeof *l->waiters);
		l->waiters[0] = k;
		l->nwaiters = 1;
		s->threads[k].wait.lock = k;
		s->threads[k].wait.kind = WAIT_MUTEX;
	}
	holders_find(s, NULL, NULL);
	for (size_t k = 0; k < s->nlocks; k++) {
		const struct lock *l = &s->locks[k];

		FUZZ_CHECK(l->nprobable <= HOLDERS_MAX_LISTED);
		for (size_t p = 0; p < l->nprobable; p++) {
			FUZZ_CHECK(l->probable[p].thread >= 0 && (size_t)l->probable[p].thread < s->nthreads);
			FUZZ_CHECK(l->probable[p].thread != (int)k);	/* never the lock's own waiter */
			FUZZ_CHECK(l->probable[p].frame_index < (int)s->threads[l->probable[p].thread].nframes);
		}
	}
	lockgraph_link(s);
	for (size_t d = 0; d < s->ndeadlocks; d++)
		FUZZ_CHECK(s->deadlocks[d].nthreads >= 1 && s->deadlocks[d].nthreads <= s->nthreads);
	snapshot_free(s);
	return 0;
}

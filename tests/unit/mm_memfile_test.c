/* Unit test of the memory file allocator: runs never overlap, freed runs
 * merge, the file shrinks back when everything is freed, pages come back
 * zeroed. */
#include "tests/unit/mm_testlib.h"

#define SLOTS 2000

static int64_t cache_off = -1;

/* A cache holding 6 pages nobody else uses. */
static size_t test_reclaim(size_t npages)
{
	(void)npages;
	if (cache_off < 0)
		return 0;
	memfile_decref(cache_off, 6);
	cache_off = -1;
	return 6;
}

int main(void)
{
	static int64_t off[SLOTS];
	static size_t len[SLOTS];
	static uint8_t owner[1 << 16]; /* page -> slot + 1 */
	int overlap = 0, dirty = 0;

	test_init();
	srand(7);
	for (int round = 0; round < 20000; round++) {
		int s = rand() % SLOTS;
		if (off[s] > 0 || (off[s] == 0 && len[s])) {
			for (size_t k = 0; k < len[s]; k++)
				owner[(off[s] >> 12) + k] = 0;
			/* Free in two pieces half the time: merging must cope. */
			if (len[s] > 1 && rand() % 2) {
				memfile_decref(off[s] + 4096, len[s] - 1);
				memfile_decref(off[s], 1);
			} else {
				memfile_decref(off[s], len[s]);
			}
			off[s] = -1;
			len[s] = 0;
			continue;
		}
		size_t n = 1 + rand() % (rand() % 4 ? 4 : 40);
		int64_t o = memfile_alloc(n);
		if (o < 0 || (uint64_t)o + n * 4096 > sizeof(owner) * 4096ULL) {
			printf("FAIL alloc %zu: %ld\n", n, (long)o);
			return 1;
		}
		for (size_t k = 0; k < n; k++) {
			uint8_t *p = memfile_ptr(o + k * 4096);
			overlap += owner[(o >> 12) + k] != 0;
			owner[(o >> 12) + k] = 1;
			for (int b = 0; b < 4096; b += 512)
				dirty += p[b] != 0;
			memset(p, 0xab, 4096);
		}
		off[s] = o;
		len[s] = n;
	}
	CHECK(overlap == 0, "allocations never overlap");
	CHECK(dirty == 0, "allocated pages read zero");
	uint64_t peak = memfile_size();
	for (int s = 0; s < SLOTS; s++)
		if (len[s])
			memfile_decref(off[s], len[s]);
	CHECK(memfile_used_bytes() == 0, "everything freed");
	CHECK(memfile_size() == 0,
	      "freed runs merged back into the top (size %lu, peak %lu)",
	      (unsigned long)memfile_size(), (unsigned long)peak);
	/* Refcounts: a shared page lives until its last reference. */
	int64_t o = memfile_alloc(1);
	memfile_incref(o, 1);
	memfile_decref(o, 1);
	CHECK(memfile_refcount(o) == 1 && memfile_used_bytes() == 4096,
	      "page with two references survives one decref");
	memfile_decref(o, 1);
	CHECK(memfile_used_bytes() == 0, "and goes with the last");
	/* Pins: a pinned page outlives its last reference and is not handed
	 * out again (the sentry may still be writing it); it is no owner for
	 * copy-on-write. */
	o = memfile_alloc(1);
	memset(memfile_ptr(o), 'x', 4096);
	memfile_pin(o, 1);
	CHECK(memfile_refcount(o) == 1 && memfile_pincount(o) == 1,
	      "a pin is not a reference");
	memfile_decref(o, 1);
	int64_t o2 = memfile_alloc(1);
	CHECK(o2 != o && memfile_used_bytes() == 2 * 4096 &&
		      ((char *)memfile_ptr(o))[0] == 'x',
	      "an unreferenced pinned page is kept, not reused");
	memfile_unpin(o, 1);
	CHECK(memfile_used_bytes() == 4096, "the last unpin frees it");
	memfile_decref(o2, 1);
	/* The sandbox's memory limit. */
	CHECK(memfile_limit() > 0, "a default limit is set (%lu MiB)",
	      (unsigned long)(memfile_limit() >> 20));
	memfile_set_limit(10 * 4096);
	int64_t a = memfile_alloc(8);
	CHECK(a >= 0 && memfile_alloc(3) == -ENOMEM,
	      "allocation beyond the limit: ENOMEM");
	int64_t b = memfile_alloc(2);
	CHECK(b >= 0, "up to the limit is fine");
	memfile_decref(a, 8);
	memfile_decref(b, 2);
	/* A cache's pages give way: the reclaim hook frees them and the
	 * allocation is retried (hostfs's read-only page cache). */
	cache_off = memfile_alloc(6);
	a = memfile_alloc(4);
	CHECK(cache_off >= 0 && a >= 0 && memfile_alloc(1) == -ENOMEM,
	      "full without a reclaim hook");
	memfile_set_reclaim_hook(test_reclaim);
	b = memfile_alloc(5);
	CHECK(b >= 0 && cache_off < 0, "the hook freed the cache's pages");
	CHECK(memfile_alloc(2) == -ENOMEM, "nothing more to reclaim: ENOMEM");
	memfile_set_reclaim_hook(NULL);
	memfile_decref(a, 4);
	memfile_decref(b, 5);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}

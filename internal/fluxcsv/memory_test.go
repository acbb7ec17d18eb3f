package fluxcsv

import (
	"runtime"
	"testing"
)

// memLimit is the provider's default max_result_bytes, and nearLimit the size
// of a generated body just under it (genReader ends on the row boundary after
// the size it is given, at most one ~100-byte row later).
const (
	memLimit  = 10 << 20
	nearLimit = memLimit - 256
)

// TestCollectKeepsOnlyTheBody holds what an accepted result costs to
// max_result_bytes plus 16 MiB, for a body just under the limit. Both figures
// are independent of when the GC runs: all that Collect allocated, garbage
// included (an upper bound of its peak heap, whatever the GC's pacing), and
// the live heap after Collect and a full GC, which must have grown by the
// body and little more. Keeping a map per row, as Collect once did, retained
// about 8 times the body.
func TestCollectKeepsOnlyTheBody(t *testing.T) {
	if testing.Short() {
		t.Skip("-short was asked for by whoever ran the tests, and this test reads a 10 MiB result; make test runs it without -short")
	}
	var before, after, live runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Collect(newGenReader(nearLimit), memLimit)
	runtime.ReadMemStats(&after)
	runtime.GC()
	runtime.ReadMemStats(&live)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Raw) > memLimit || res.NumRows < 90_000 {
		t.Fatalf("generated %d bytes and %d rows; want just under %d bytes, over 90,000 rows", len(res.Raw), res.NumRows, memLimit)
	}

	const slack = 1 << 20
	retained := int64(live.HeapAlloc) - int64(before.HeapAlloc)
	if retained > int64(len(res.Raw))+slack {
		t.Errorf("the result holds %.1f MiB for a body of %.1f MiB; want at most the body plus %d MiB",
			toMiB(retained), toMiB(int64(len(res.Raw))), slack>>20)
	}
	allocated := int64(after.TotalAlloc - before.TotalAlloc)
	if allocated > memLimit+16<<20 {
		t.Errorf("Collect allocated %.1f MiB for a body of %.1f MiB; want at most max_result_bytes + 16 MiB (%d MiB)",
			toMiB(allocated), toMiB(int64(len(res.Raw))), (memLimit+16<<20)>>20)
	}
	t.Logf("body %.1f MiB, %d rows: retained %.1f MiB, allocated %.1f MiB", toMiB(int64(len(res.Raw))), res.NumRows, toMiB(retained), toMiB(allocated))
	runtime.KeepAlive(res)
}

func toMiB(n int64) float64 { return float64(n) / (1 << 20) }

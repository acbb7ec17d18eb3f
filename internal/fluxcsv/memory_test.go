package fluxcsv

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
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
		t.Skip("reads a 10 MiB result; skipped with -short")
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
			mib(retained), mib(int64(len(res.Raw))), slack>>20)
	}
	allocated := int64(after.TotalAlloc - before.TotalAlloc)
	if allocated > memLimit+16<<20 {
		t.Errorf("Collect allocated %.1f MiB for a body of %.1f MiB; want at most max_result_bytes + 16 MiB (%d MiB)",
			mib(allocated), mib(int64(len(res.Raw))), (memLimit+16<<20)>>20)
	}
	t.Logf("body %.1f MiB, %d rows: retained %.1f MiB, allocated %.1f MiB", mib(int64(len(res.Raw))), res.NumRows, mib(retained), mib(allocated))
	runtime.KeepAlive(res)
}

// BenchmarkCollectNearLimit measures the peak heap of Collect for a body just
// under the default max_result_bytes, and of a pass of EachRow over it that
// keeps nothing (the provider keeps the values it builds, which cost what the
// Terraform values cost). The peak is the highest sample of the heap's object
// bytes (live and not yet swept, as runtime/metrics counts them) taken every
// 0.2 ms, above the heap before the call; the target is max_result_bytes +
// 16 MiB. Run it with -benchtime=5x or so: every iteration parses 10 MiB.
func BenchmarkCollectNearLimit(b *testing.B) {
	var peak, eachPeak, retained float64
	n := 0
	for b.Loop() {
		s := startPeakSampler()
		res, err := Collect(newGenReader(nearLimit), memLimit)
		p := s.stop()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		r := float64(heapObjects()) - float64(s.base)

		s = startPeakSampler()
		rows := 0
		if err := res.EachRow(func(_, _ []string) { rows++ }); err != nil || rows != res.NumRows {
			b.Fatalf("EachRow: %d rows of %d, %v", rows, res.NumRows, err)
		}
		ep := s.stop()
		runtime.KeepAlive(res)

		peak, eachPeak, retained = max(peak, mib(p)), max(eachPeak, mib(ep)), max(retained, r/(1<<20))
		n++
	}
	b.ReportMetric(peak, "peak-MiB")
	b.ReportMetric(retained, "retained-MiB")
	b.ReportMetric(eachPeak, "eachrow-peak-MiB")
	b.ReportMetric(peak-memLimit>>20, "peak-over-limit-MiB")
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: heapObjectsMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakSampler records the highest heap object bytes seen between start and
// stop, from a goroutine (runtime/metrics does not stop the world).
type peakSampler struct {
	base, peak uint64
	done, quit chan struct{}
}

func startPeakSampler() *peakSampler {
	runtime.GC()
	s := &peakSampler{base: heapObjects(), done: make(chan struct{}), quit: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			s.peak = max(s.peak, heapObjects())
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop returns the peak above the base, in bytes.
func (s *peakSampler) stop() int64 {
	close(s.quit)
	<-s.done
	s.peak = max(s.peak, heapObjects())
	return int64(s.peak) - int64(s.base)
}

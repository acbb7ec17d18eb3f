//go:build unix

package fluxcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// The benchmarks report throughput (MB/s) and the peak heap of the code
// under test (peak-heap-MiB): the highest heap sampled while it runs, above
// the heap before it. Bodies live in memory mapped outside the Go heap, so
// the peak is the parser's own. `make bench` runs each benchmark in a fresh
// process, ours and its floor alternately, with FLUXCSV_BENCH_MB=100.

const (
	mib = 1 << 20
	// benchLimit is the provider's default max_result_bytes.
	benchLimit = 10 * mib
)

// benchMB is the size of the streamed body: FLUXCSV_BENCH_MB, default 10.
func benchMB() int {
	if v, err := strconv.Atoi(os.Getenv("FLUXCSV_BENCH_MB")); err == nil && v > 0 {
		return v
	}
	return 10
}

// offHeapBody generates a plain Flux CSV body of at least size bytes (ending
// on a row boundary) into anonymous memory outside the Go heap.
func offHeapBody(b *testing.B, size int) []byte {
	buf, err := syscall.Mmap(-1, 0, size+64<<10, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = syscall.Munmap(buf) })
	n, err := io.ReadFull(newGenReader(int64(size)), buf)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		b.Fatalf("generating the body: %d bytes, %v", n, err)
	}
	return buf[:n]
}

// heapSampler records the highest heap (live and not yet swept objects)
// every half millisecond until stop.
type heapSampler struct {
	base  uint64
	stopc chan struct{}
	peak  chan uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func readHeap() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	h := &heapSampler{base: readHeap(), stopc: make(chan struct{}), peak: make(chan uint64)}
	go func() {
		peak := h.base
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-h.stopc:
				h.peak <- max(peak, readHeap())
				return
			case <-t.C:
				peak = max(peak, readHeap())
			}
		}
	}()
	return h
}

// stop returns the peak above the starting heap, in MiB.
func (h *heapSampler) stop() float64 {
	close(h.stopc)
	return float64(<-h.peak-h.base) / mib
}

// BenchmarkReader streams every row of the body through Reader.
func BenchmarkReader(b *testing.B) {
	data := offHeapBody(b, benchMB()*1e6)
	b.SetBytes(int64(len(data)))
	h := startHeapSampler()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data))
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(h.stop(), "peak-heap-MiB")
}

// BenchmarkEncodingCSVFloor is BenchmarkReader's yardstick: encoding/csv
// reading the same bytes into reused records and discarding them.
func BenchmarkEncodingCSVFloor(b *testing.B) {
	data := offHeapBody(b, benchMB()*1e6)
	b.SetBytes(int64(len(data)))
	h := startHeapSampler()
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		r.FieldsPerRecord = -1
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n == 0 {
			b.Fatal("no rows")
		}
	}
	b.ReportMetric(h.stop(), "peak-heap-MiB")
}

// BenchmarkCollectOverLimit gives Collect a 100 MB stream and the default
// limit: it must stop after limit+1 bytes (read-B against want-read-B), with
// a peak heap bounded by the limit (limit-MiB), not by the stream. The heap is
// collected before each call, so the peak is one call's.
func BenchmarkCollectOverLimit(b *testing.B) {
	var peak float64
	var read int64
	for b.Loop() {
		b.StopTimer()
		h := startHeapSampler()
		b.StartTimer()
		cr := &countingReader{r: newGenReader(100e6)}
		_, err := Collect(cr, benchLimit)
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			b.Fatalf("Collect of 100 MB with a limit of %d: %v, want a TooLargeError", benchLimit, err)
		}
		b.StopTimer()
		peak = max(peak, h.stop())
		b.StartTimer()
		read = cr.n
	}
	b.ReportMetric(peak, "peak-heap-MiB")
	b.ReportMetric(float64(read), "read-B")
	b.ReportMetric(benchLimit+1, "want-read-B")
	b.ReportMetric(benchLimit/mib, "limit-MiB")
}

// BenchmarkCollectUnderLimit collects a result just under the default
// limit: what an accepted result costs in heap, against its size (body-MiB).
func BenchmarkCollectUnderLimit(b *testing.B) {
	data := offHeapBody(b, benchLimit-64<<10)
	if len(data) > benchLimit {
		b.Fatalf("body of %d bytes is over the limit", len(data))
	}
	var peak float64
	for b.Loop() {
		b.StopTimer()
		h := startHeapSampler()
		b.StartTimer()
		res, err := Collect(bytes.NewReader(data), benchLimit)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Rows) == 0 {
			b.Fatal("no rows")
		}
		b.StopTimer()
		peak = max(peak, h.stop())
		b.StartTimer()
	}
	b.ReportMetric(peak, "peak-heap-MiB")
	b.ReportMetric(float64(len(data))/mib, "body-MiB")
	b.ReportMetric(benchLimit/mib, "limit-MiB")
}

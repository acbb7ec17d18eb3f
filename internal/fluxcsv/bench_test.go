package fluxcsv

import (
	"bytes"
	"encoding/csv"
	"flag"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// The benchmarks read a generated body of 10 MB by default. For the full
// 100 MB (about a million rows) pass -fluxcsv.big or set FLUXCSV_BENCH_MB=100.
var benchBig = flag.Bool("fluxcsv.big", false, "benchmark over a 100 MB body instead of 10 MB")

var benchBody = sync.OnceValue(func() []byte {
	mb := 10
	if *benchBig {
		mb = 100
	}
	if v, err := strconv.Atoi(os.Getenv("FLUXCSV_BENCH_MB")); err == nil && v > 0 {
		mb = v
	}
	data, err := io.ReadAll(newGenReader(int64(mb) << 20))
	if err != nil {
		panic(err)
	}
	runtime.GC() // so that the first benchmark does not pay for generating
	return data
})

// BenchmarkReaderPlain streams every row through Reader.
func BenchmarkReaderPlain(b *testing.B) {
	data := benchBody()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
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
}

// BenchmarkEncodingCSVFloor is the yardstick: encoding/csv reading the same
// bytes into reused records and discarding them.
func BenchmarkEncodingCSVFloor(b *testing.B) {
	data := benchBody()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
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
}

// BenchmarkCollect reports allocations, and allocated bytes per body byte
// (allocB/bodyB), which shows the constant in Collect's memory bound.
func BenchmarkCollect(b *testing.B) {
	data := benchBody()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		res, err := Collect(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if res.NumRows == 0 {
			b.Fatal("no rows")
		}
		n++
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n)/float64(len(data)), "allocB/bodyB")
}

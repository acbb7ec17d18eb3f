package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/fluxcsv"
)

// csvWorkerArg makes tfbench a worker that takes one CSV measurement in a
// fresh process, so that each measurement's heap is its own.
const csvWorkerArg = "csv-worker"

// csvHeader and one csvRow are what invocations of Flux scripts return:
// plain Flux CSV; every row is exactly csvRowLen bytes.
const (
	csvHeader = ",result,table,_start,_stop,_time,_value,_field,_measurement,host\n"
	csvRowLen = 100
)

func appendCSVRow(b []byte, i int) []byte {
	b = append(b, ",_result,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T"...)
	s := i % 86400
	b = appendPadded(b, s/3600, 2)
	b = append(b, ':')
	b = appendPadded(b, s/60%60, 2)
	b = append(b, ':')
	b = appendPadded(b, s%60, 2)
	b = append(b, "Z,"...)
	b = appendPadded(b, i%1000, 3)
	b = append(b, '.')
	b = appendPadded(b, i%997, 3)
	b = append(b, ",usage,cpu,host"...)
	b = appendPadded(b, i%500, 3)
	return append(b, '\n')
}

func appendPadded(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// csvStream generates a body of rows rows on the fly, never holding more
// than one row, and counts the bytes read from it.
type csvStream struct {
	rows, next int
	buf        []byte
	off        int
	header     bool
	read       int64
}

func newCSVStream(rows int) *csvStream { return &csvStream{rows: rows} }

func (g *csvStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if g.off == len(g.buf) {
			switch {
			case !g.header:
				g.buf, g.header = append(g.buf[:0], csvHeader...), true
			case g.next < g.rows:
				g.buf = appendCSVRow(g.buf[:0], g.next)
				g.next++
			default:
				g.read += int64(n)
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			g.off = 0
		}
		c := copy(p[n:], g.buf[g.off:])
		g.off += c
		n += c
	}
	g.read += int64(n)
	return n, nil
}

func csvBodySize(rows int) int64 { return int64(len(csvHeader)) + int64(rows)*csvRowLen }

// workerResult is what a worker prints as JSON.
type workerResult struct {
	Bytes    int64   `json:"bytes"`    // body bytes parsed (or read, for collect modes)
	Rows     int     `json:"rows"`     // data rows seen
	Seconds  float64 `json:"seconds"`  // time of the measured part
	PeakHeap uint64  `json:"peakHeap"` // peak of heap objects (live and not yet swept) above the start
	TooLarge bool    `json:"tooLarge"` // Collect stopped with a TooLargeError
}

// heapSampler records the peak of the heap's object bytes, sampled every
// half millisecond with runtime/metrics (which does not stop the world).
type heapSampler struct {
	base       uint64
	peak       uint64
	stop, done chan struct{}
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func readHeap() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	runtime.GC()
	h := &heapSampler{base: readHeap(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			if v := readHeap(); v > h.peak {
				h.peak = v
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// finish returns the peak above the base.
func (h *heapSampler) finish() uint64 {
	close(h.stop)
	<-h.done
	if v := readHeap(); v > h.peak {
		h.peak = v
	}
	if h.peak < h.base {
		return 0
	}
	return h.peak - h.base
}

func csvWorkerMain(args []string) int {
	fs := flag.NewFlagSet(csvWorkerArg, flag.ContinueOnError)
	mode := fs.String("mode", "", "reader, floor, collect")
	file := fs.String("file", "", "body file (reader, floor)")
	rows := fs.Int("rows", 0, "rows of the generated stream (collect)")
	limit := fs.Int64("limit", 10<<20, "max_result_bytes (collect)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := csvWork(*mode, *file, *rows, *limit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "csv-worker:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "csv-worker:", err)
		return 1
	}
	return 0
}

func csvWork(mode, file string, rows int, limit int64) (workerResult, error) {
	var res workerResult
	switch mode {
	case "reader", "floor":
		body, unmap, err := mapFile(file)
		if err != nil {
			return res, err
		}
		defer unmap()
		// Fault every page in before the clock starts.
		var sum byte
		for i := 0; i < len(body); i += 4096 {
			sum += body[i]
		}
		_ = sum
		res.Bytes = int64(len(body))
		h := startHeapSampler()
		start := time.Now()
		if mode == "reader" {
			res.Rows, err = parseFluxCSV(body)
		} else {
			res.Rows, err = parseEncodingCSV(body)
		}
		res.Seconds = time.Since(start).Seconds()
		res.PeakHeap = h.finish()
		if err != nil {
			return res, err
		}
	case "collect":
		stream := newCSVStream(rows)
		h := startHeapSampler()
		start := time.Now()
		r, err := fluxcsv.Collect(stream, limit)
		res.Seconds = time.Since(start).Seconds()
		var tooLarge *fluxcsv.TooLargeError
		switch {
		case errors.As(err, &tooLarge):
			res.TooLarge = true
		case err != nil:
			return res, err
		default:
			res.Rows = r.NumRows
		}
		res.PeakHeap = h.finish()
		res.Bytes = stream.read
		runtime.KeepAlive(r)
	default:
		return res, fmt.Errorf("unknown -mode %q", mode)
	}
	return res, nil
}

// parseFluxCSV streams every row through the provider's reader.
func parseFluxCSV(body []byte) (int, error) {
	r := fluxcsv.NewReader(bytes.NewReader(body))
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// parseEncodingCSV is the floor: encoding/csv reading the same bytes into
// reused []string records and discarding them.
func parseEncodingCSV(body []byte) (int, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	n := -1 // the header is a record too
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

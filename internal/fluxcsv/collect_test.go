package fluxcsv

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// genReader produces a plain Flux CSV body of at least size bytes, ending on
// a row boundary, without ever holding more than one row. Rows are about
// 100 bytes, so 100 MB is about a million rows.
type genReader struct {
	size    int64
	emitted int64
	row     int
	buf     []byte
	off     int
}

const genHeader = ",result,table,_start,_stop,_time,_value,_field,_measurement,host\n"

func newGenReader(size int64) *genReader { return &genReader{size: size} }

func (g *genReader) Read(p []byte) (int, error) {
	if g.off == len(g.buf) {
		if g.emitted >= g.size {
			return 0, io.EOF
		}
		g.buf = g.buf[:0]
		if g.row == 0 {
			g.buf = append(g.buf, genHeader...)
		}
		g.buf = appendGenRow(g.buf, g.row)
		g.row++
		g.off = 0
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	g.emitted += int64(n)
	return n, nil
}

func appendGenRow(b []byte, i int) []byte {
	b = append(b, ",_result,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T"...)
	s := i % 86400
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	b = append(b, ':')
	b = append2(b, s%60)
	b = append(b, ".000000Z,"...)
	b = strconv.AppendInt(b, int64(i%1000), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(i%997), 10)
	b = append(b, ",usage_user,cpu,host-"...)
	b = strconv.AppendInt(b, int64(i%500), 10)
	return append(b, '\n')
}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestGenReaderShape(t *testing.T) {
	res, err := Collect(newGenReader(10_000), 20_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Raw) < 10_000 || len(res.Raw) > 10_200 {
		t.Errorf("generated %d bytes, want about 10000", len(res.Raw))
	}
	if len(res.Columns) != 9 || len(res.Rows) < 80 {
		t.Errorf("generated %d columns and %d rows", len(res.Columns), len(res.Rows))
	}
	if got := res.Rows[1]["_time"]; got != "2024-01-01T00:00:01.000000Z" {
		t.Errorf("row 1 _time = %q", got)
	}
}

// TestCollectStopsAtLimit feeds Collect a 100 MB body from a generator with a
// 10 MiB limit. Collect must give up after reading at most one byte past the
// limit, and allocate a small multiple of the limit, not of the body.
func TestCollectStopsAtLimit(t *testing.T) {
	const (
		bodySize = 100 << 20
		limit    = 10 << 20
	)
	cr := &countingReader{r: newGenReader(bodySize)}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := Collect(cr, limit)
	runtime.ReadMemStats(&after)

	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("Collect error = %v, want *TooLargeError", err)
	}
	if tl.Limit != limit || res != nil {
		t.Errorf("got Limit %d and result %v, want %d and nil", tl.Limit, res, limit)
	}
	if cr.n > limit+1 {
		t.Errorf("read %d bytes, want at most limit+1 = %d", cr.n, limit+1)
	}
	// Doubling growth allocates under 2x the final capacity in total, and
	// the final capacity is under 2x the limit; about 3.2x in practice.
	// (append's gentler growth for large slices comes to about 5x.)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*limit {
		t.Errorf("allocated %d bytes for a %d byte limit, want at most %d", alloc, limit, 4*limit)
	}
}

func TestCollectLimitBoundary(t *testing.T) {
	body := ",a\n,1\n" // 6 bytes
	tests := []struct {
		limit   int64
		tooLong bool
	}{
		{6, false},
		{7, false},
		{5, true},
		{0, true},
		{-1, true},
	}
	for _, tt := range tests {
		res, err := Collect(strings.NewReader(body), tt.limit)
		var tl *TooLargeError
		if got := errors.As(err, &tl); got != tt.tooLong {
			t.Errorf("limit %d: err = %v, want too large: %v", tt.limit, err, tt.tooLong)
			continue
		}
		if !tt.tooLong && (res.Raw != body || len(res.Rows) != 1) {
			t.Errorf("limit %d: result %+v", tt.limit, res)
		}
	}
	for _, limit := range []int64{0, -1} {
		if res, err := Collect(strings.NewReader(""), limit); err != nil || res.Raw != "" {
			t.Errorf("empty body with limit %d: %v, %v", limit, res, err)
		}
	}
	var tl *TooLargeError
	if _, err := Collect(strings.NewReader("x"), -5); !errors.As(err, &tl) || tl.Limit != 0 {
		t.Errorf("negative limit: %v, want a TooLargeError with Limit 0", err)
	}
}

func TestTooLargeErrorMessage(t *testing.T) {
	want := "result is larger than max_result_bytes (10485760 bytes); raise max_result_bytes or make the script return less"
	if got := (&TooLargeError{Limit: 10 << 20}).Error(); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

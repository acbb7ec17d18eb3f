package fluxcsv

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
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

// rowMaps returns res's rows as EachRow gives them, one map per row from
// column name to value (a repeated name keeps its later value), and checks
// that EachRow gives NumRows rows without error.
func rowMaps(t testing.TB, res *Result) []map[string]string {
	t.Helper()
	rows := []map[string]string{}
	err := res.EachRow(func(columns, values []string) {
		if len(columns) != len(values) {
			t.Fatalf("row with %d columns and %d values", len(columns), len(values))
		}
		row := make(map[string]string, len(columns))
		for i, c := range columns {
			row[c] = values[i]
		}
		rows = append(rows, row)
	})
	if err != nil {
		t.Fatalf("EachRow: %v", err)
	}
	if len(rows) != res.NumRows {
		t.Fatalf("EachRow gave %d rows, NumRows is %d", len(rows), res.NumRows)
	}
	return rows
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
	rows := rowMaps(t, res)
	if len(res.Columns) != 9 || len(rows) < 80 {
		t.Errorf("generated %d columns and %d rows", len(res.Columns), len(rows))
	}
	if got := rows[1]["_time"]; got != "2024-01-01T00:00:01.000000Z" {
		t.Errorf("row 1 _time = %q", got)
	}
}

// TestCollectStopsAtLimit feeds Collect a 100 MB body from a generator with a
// 10 MiB limit. Collect must give up after reading at most one byte past the
// limit, and allocate about the limit, not the body.
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
	// The body is kept in chunks that are never copied before it is known
	// to fit, so a too-large body costs the limit plus the last chunk.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit+4<<20 {
		t.Errorf("allocated %d bytes for a %d byte limit, want at most %d", alloc, limit, limit+4<<20)
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
		if !tt.tooLong && (res.Raw != body || res.NumRows != 1) {
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

// TestReadLimitedChunkBoundaries reads bodies whose sizes straddle the
// chunk sizes, through a reader that hands out a few bytes at a time, and
// checks that every byte arrives once, in order.
func TestReadLimitedChunkBoundaries(t *testing.T) {
	sizes := []int{0, 1, firstChunk - 1, firstChunk, firstChunk + 1, 3*firstChunk + 7, maxChunk, 3*maxChunk + 5}
	for _, size := range sizes {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte('a' + i%26)
		}
		for _, limit := range []int64{int64(size), int64(size) + 1, int64(size) - 1} {
			got, err := ReadLimited(iotest.HalfReader(bytes.NewReader(body)), limit)
			var tl *TooLargeError
			switch {
			case limit < int64(size):
				if !errors.As(err, &tl) || tl.Limit != limit {
					t.Errorf("size %d, limit %d: err = %v, want a TooLargeError", size, limit, err)
				}
			case err != nil:
				t.Errorf("size %d, limit %d: %v", size, limit, err)
			case got != string(body):
				t.Errorf("size %d, limit %d: got %d bytes, not the body", size, limit, len(got))
			}
		}
	}
}

// TestReadLimitedReadError passes a read error through, wrapped.
func TestReadLimitedReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := ReadLimited(io.MultiReader(strings.NewReader(",a\n"), iotest.ErrReader(boom)), 1<<20)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "reading result") {
		t.Errorf("err = %v, want the read error wrapped as reading result", err)
	}
}

// TestCollectTruncatedBody: a body cut short is an error, never a result.
// net/http reports a connection dropped mid-body as io.ErrUnexpectedEOF.
func TestCollectTruncatedBody(t *testing.T) {
	cut := io.MultiReader(strings.NewReader(",a\n,1\n"), iotest.ErrReader(io.ErrUnexpectedEOF))
	if res, err := Collect(cut, 1<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Collect of a body cut short = %+v, %v; want io.ErrUnexpectedEOF", res, err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "48")
		_, _ = io.WriteString(w, ",result,table,v\n,_result,0,1\n") // 30 of 48 bytes
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if res, err := Collect(resp.Body, 1<<20); err == nil {
		t.Errorf("Collect of a response cut short returned %q with no error", res.Raw)
	}
}

// TestEachRowReadsNumRows: EachRow reads the rows Collect counted, and
// nothing of a body that was not parsed (a JSON result kept raw, say).
func TestEachRowReadsNumRows(t *testing.T) {
	calls := 0
	count := func(_, _ []string) { calls++ }
	if err := (&Result{Raw: "a,b\n1,2\n"}).EachRow(count); err != nil || calls != 0 {
		t.Errorf("NumRows 0: %d calls, %v; want none and no error", calls, err)
	}
	if err := (&Result{Raw: ",a\n,1\n", NumRows: 2}).EachRow(count); err == nil || calls != 1 {
		t.Errorf("one row of two counted: %d calls, %v; want 1 and an error", calls, err)
	}
	res, err := Collect(strings.NewReader(",a,a\n,1,2\n\n,b\n,3\n"), 100)
	if err != nil {
		t.Fatal(err)
	}
	if rows := rowMaps(t, res); len(rows) != 2 || rows[0]["a"] != "2" || rows[1]["b"] != "3" {
		t.Errorf("rows %q; want a repeated name to keep its later value, and both tables", rows)
	}
}

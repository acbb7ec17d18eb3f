package fluxcsv

import (
	"fmt"
	"io"
	"strings"
)

// Result is a whole invocation result.
type Result struct {
	// Raw is the body exactly as received.
	Raw string
	// Columns lists every column of every table, without repeats, in the
	// order first seen.
	Columns []string
	// Rows has one map per data row, from column name to value. A row has
	// keys only for the columns of its own table, so rows of different
	// tables may have different keys. Should a header repeat a name, the
	// later column's value wins.
	Rows []map[string]string
}

// TooLargeError is returned by Collect when the body is larger than the
// limit it was given.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("result is larger than max_result_bytes (%d bytes); raise max_result_bytes or make the script return less", e.Limit)
}

// collectChunk is how much Collect asks for per read.
const collectChunk = 32 << 10

// Collect reads the whole body from r, at most maxBytes of it, and parses it.
//
// It reads no more than maxBytes+1 bytes from r: as soon as more than
// maxBytes have arrived it stops and returns a *TooLargeError, so memory use
// is bounded by the limit, not by the body. A maxBytes below zero counts as
// zero, which admits only an empty body.
//
// The body is read in full before it is parsed, so that Raw is complete even
// when parsing fails: on a *ParseError, Collect returns a Result with Raw set
// and no Columns or Rows, together with the error. On a read error or a
// TooLargeError the Result is nil.
//
// An empty body gives no columns and no rows, and no error.
func Collect(r io.Reader, maxBytes int64) (*Result, error) {
	if maxBytes < 0 {
		maxBytes = 0
	}
	raw, err := readLimited(r, maxBytes)
	if err != nil {
		return nil, err
	}

	res := &Result{Raw: raw, Columns: []string{}, Rows: []map[string]string{}}
	cr := NewReader(strings.NewReader(raw))
	for {
		rec, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &Result{Raw: raw}, err
		}
		cols := cr.Columns()
		row := make(map[string]string, len(cols))
		for i, c := range cols {
			row[c] = rec.Values[i]
		}
		res.Rows = append(res.Rows, row)
	}
	res.Columns = append(res.Columns, cr.AllColumns()...)
	return res, nil
}

// readLimited reads r to the end into a string, failing with a
// *TooLargeError once more than limit bytes have arrived.
func readLimited(r io.Reader, limit int64) (string, error) {
	// One byte past the limit is enough to know the body is too large.
	lr := io.LimitReader(r, limit+1)
	var sb strings.Builder
	buf := make([]byte, collectChunk)
	for {
		n, err := lr.Read(buf)
		// Grow doubles the capacity; append's growth for large slices is
		// gentler and would allocate several times the body in total.
		sb.Grow(n)
		sb.Write(buf[:n])
		if int64(sb.Len()) > limit {
			return "", &TooLargeError{Limit: limit}
		}
		if err == io.EOF {
			return sb.String(), nil
		}
		if err != nil {
			return "", fmt.Errorf("reading result: %w", err)
		}
	}
}

// LooksLikeCSV reports whether a Content-Type header value names CSV:
// text/csv or application/csv, with or without parameters such as charset.
// Callers use it to decide whether a body is worth parsing.
func LooksLikeCSV(contentType string) bool {
	// Only the media type matters, so the parameters need not be parsed
	// (mime.ParseMediaType would reject a body over a malformed charset).
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "text/csv" || mt == "application/csv"
}

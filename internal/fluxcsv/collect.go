package fluxcsv

import (
	"fmt"
	"io"
	"strings"
)

// Result is a whole invocation result.
//
// It holds the body and what a first pass over it found, not the rows: a row
// kept as a map, or even as a slice of strings, costs several times its size
// in the body, so an accepted result would cost several times
// max_result_bytes. EachRow reads the rows from Raw again, one at a time, for
// the caller to turn into whatever it keeps.
type Result struct {
	// Raw is the body exactly as received.
	Raw string
	// Columns lists every column of every table, without repeats, in the
	// order first seen.
	Columns []string
	// NumRows is the number of data rows in all tables.
	NumRows int
}

// EachRow calls fn for the NumRows data rows of Raw, in order, with the
// column names of the row's table and its values, one per column. A row has
// values only for the columns of its own table, so rows of different tables
// may have different columns, and a header may repeat a name. fn may keep
// columns and the strings in values, but not the values slice itself, which
// is reused. The strings are mostly substrings of Raw, so keeping them costs
// no copy.
//
// EachRow reads Raw again by the rules Collect used, so for a Result from
// Collect it meets no error. It reads nothing when NumRows is zero (a body
// that was not parsed, say), and fails if Raw holds fewer rows than NumRows
// or does not parse.
func (r *Result) EachRow(fn func(columns, values []string)) error {
	cr := newStringReader(r.Raw)
	for n := 0; n < r.NumRows; n++ {
		rec, err := cr.Next()
		if err == io.EOF {
			return fmt.Errorf("result CSV: %d rows, not the %d counted", n, r.NumRows)
		}
		if err != nil {
			return err
		}
		fn(cr.Columns(), rec.Values)
	}
	return nil
}

// TooLargeError is returned by Collect when the body is larger than the
// limit it was given.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("result is larger than max_result_bytes (%d bytes); raise max_result_bytes or make the script return less", e.Limit)
}

// Collect reads into chunks that start small (most results are) and double
// up to a cap, so a big body costs few reads and little slack.
const (
	firstChunk = 4 << 10
	maxChunk   = 1 << 20
)

// Collect reads the whole body from r, at most maxBytes of it, and parses it.
//
// It reads no more than maxBytes+1 bytes from r: as soon as more than
// maxBytes have arrived it stops and returns a *TooLargeError, so memory use
// is bounded by the limit, not by the body. A maxBytes below zero counts as
// zero, which admits only an empty body.
//
// The body is read in full before it is parsed, so that Raw is complete even
// when parsing fails: on a *ParseError, Collect returns a Result with Raw set
// and no Columns or rows, together with the error. On a read error or a
// TooLargeError the Result is nil.
//
// Parsing keeps no row (see Result) and takes values as substrings of the
// body: the memory Collect holds is the body plus the column names, whatever
// the shape of the rows, and it allocates about twice the body in all (the
// chunks it reads into, and the body they are joined into).
//
// An empty body gives no columns and no rows, and no error.
func Collect(r io.Reader, maxBytes int64) (*Result, error) {
	if maxBytes < 0 {
		maxBytes = 0
	}
	chunks, total, err := readChunks(r, maxBytes)
	if err != nil {
		return nil, err
	}
	raw := join(chunks, total)
	res := &Result{Raw: raw, Columns: []string{}}
	cr := newStringReader(raw)
	for {
		_, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &Result{Raw: raw}, err
		}
		res.NumRows++
	}
	res.Columns = append(res.Columns, cr.AllColumns()...)
	return res, nil
}

// ReadLimited reads r to the end into a string, failing with a
// *TooLargeError once more than limit bytes have arrived (it never reads more
// than limit+1). Collect uses it, and so can callers that keep a body which
// is not CSV.
//
// The body is kept in chunks and joined once, at the end, into a string of
// exactly its size. A growing buffer would instead copy itself at every
// doubling and leave the old halves to the GC, so a body that turns out too
// large would hold up to three times the limit; with chunks, it holds the
// limit plus one chunk.
func ReadLimited(r io.Reader, limit int64) (string, error) {
	chunks, total, err := readChunks(r, limit)
	if err != nil {
		return "", err
	}
	return join(chunks, total), nil
}

// readChunks reads r to the end into chunks of total bytes, failing as
// ReadLimited does.
func readChunks(r io.Reader, limit int64) (chunks [][]byte, total int64, err error) {
	// One byte past the limit is enough to know the body is too large.
	lr := io.LimitReader(r, limit+1)
	size := firstChunk
	for done := false; !done; {
		buf := make([]byte, size)
		n := 0
		// Fill the chunk. Only io.EOF ends the body: a reader that fails
		// with io.ErrUnexpectedEOF (a connection dropped mid-body, as
		// net/http reports it) has not delivered all of it.
		for n < len(buf) {
			m, err := lr.Read(buf[n:])
			n += m
			if err == io.EOF {
				done = true
				break
			}
			if err != nil {
				return nil, 0, fmt.Errorf("reading result: %w", err)
			}
		}
		if n > 0 {
			chunks = append(chunks, buf[:n])
			total += int64(n)
		}
		if total > limit {
			return nil, 0, &TooLargeError{Limit: limit}
		}
		size = min(2*size, maxChunk)
	}
	return chunks, total, nil
}

// join copies chunks into one string of total bytes, dropping each chunk
// once copied.
func join(chunks [][]byte, total int64) string {
	var sb strings.Builder
	sb.Grow(int(total))
	for i, c := range chunks {
		sb.Write(c)
		chunks[i] = nil // collectable before the last chunk is copied
	}
	return sb.String()
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

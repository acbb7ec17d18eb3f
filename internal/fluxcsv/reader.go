// Package fluxcsv reads the CSV body that InfluxDB returns when an invocable
// script is invoked, and turns it into column names and rows.
//
// The API contract and the client libraries show plain CSV: one header row
// whose first field is empty, then data rows whose first field is empty.
// The documentation calls the same body "annotated CSV", which adds
// #datatype, #group and #default rows before each header. This package
// accepts both, and any mix of them, with these rules:
//
//   - Annotation column. In Flux CSV the first column is reserved for
//     annotations and is empty in header and data rows. So when a header
//     row's first field is empty, the first column of that table is dropped
//     from the columns and from every row. A header whose first field is not
//     empty is taken as generic CSV, and all of its columns are kept.
//
//   - Annotations. A row whose first field starts with '#' is an annotation
//     and never a data row: always before a header, and also inside a table
//     that has an annotation column (where a data row's first field is empty).
//     Inside a generic CSV table a '#' in the first field is ordinary data,
//     because the first column there holds real values. An annotation row
//     inside a table ends that table; the next non-annotation row is a new
//     header. #default rows are kept: an empty data cell takes its column's
//     #default value, which is what Flux defines #default to mean. (Only in
//     tables with an annotation column, where the #default label and the
//     header line up; a generic header has no column for the label.) Other
//     annotations (#datatype, #group) are read and ignored: every value
//     stays a string.
//
//   - Tables. A body may hold several tables, separated by one or more blank
//     lines; each has its own annotations and header, and its columns may
//     differ. encoding/csv skips blank lines without a trace, so the reader
//     finds them by comparing the line on which a record starts with the
//     line on which the previous record ended (newlines inside quoted fields
//     are counted). Tables of the same shape that Flux writes back to back
//     without a blank line stay one table here; the Flux "table" column tells
//     them apart.
//
//   - Errors from Flux. A query that fails part-way writes an error table
//     (#datatype,string,string / ,error,reference). It is read as an ordinary
//     table with the columns "error" and "reference".
//
//   - Row width. A data row with fewer fields than its header is padded with
//     empty values (which then take the #default, if any): the missing cells
//     are unknown, not wrong. A data row with more fields than its header is
//     an error that names the line: there is no column to put the extra
//     values in, and dropping them would lose data silently.
//
//   - Lexical details. Fields may be quoted and then hold commas, doubled
//     quotes and newlines (RFC 4180). Lines may end in LF or CRLF. A UTF-8
//     byte order mark at the very start is skipped. A final newline is
//     optional. A bare quote inside an unquoted field is an error, since the
//     value it was meant to carry is unclear.
//
// Reader streams: it holds one record at a time, never the whole body.
// Collect is for the provider's data source: it keeps the raw body, up to a
// limit, checks that it parses and lists its columns; Result.EachRow reads
// the rows again from the body when they are needed.
package fluxcsv

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Record is one data row.
type Record struct {
	// Table is the 0-based index of the table this row belongs to, counted
	// by header rows in the body. It is not the value of the Flux "table"
	// column, which is an ordinary value in Values.
	Table int
	// Line is the 1-based line of the body on which the row starts.
	Line int
	// Values holds one value per column of the row's table, in header order
	// (see Reader.Columns). The slice is reused: it is valid only until the
	// next call to Next.
	Values []string
}

// ParseError reports a body that is not valid CSV, or a data row that does
// not fit its header.
type ParseError struct {
	Line   int // 1-based line of the body where the problem is
	Column int // 1-based byte column, or 0 when the whole row is at fault
	Err    error
}

func (e *ParseError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("result CSV: line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("result CSV: line %d: %v", e.Line, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ErrTooManyFields is wrapped in the ParseError for a data row that has more
// fields than its header.
var ErrTooManyFields = errors.New("row has more fields than the header")

// Reader reads data rows from a Flux CSV body. Create one with NewReader.
type Reader struct {
	src source
	err error

	table       int  // index of the current table, -1 before the first header
	wantHeader  bool // the next non-annotation row is a header
	annotCol    bool // the current table has a leading annotation column
	prevEndLine int  // line on which the previous record ended; 0 before any

	columns  []string // data columns of the current table
	defaults []string // #default per data column; nil when none given
	pending  []string // #default row seen before the current header, annotation column included

	all     []string // every column name seen, first-seen order
	allSeen map[string]struct{}

	vals []string // buffer for padded rows
}

// source yields the CSV records of a body, each with the lines on which it
// starts and ends (1-based; a quoted field may span lines). Its errors are
// final and already converted (see convertErr).
type source interface {
	read() (rec []string, start, end int, err error)
}

// NewReader returns a Reader that reads from r. It does not read anything
// until Next is called.
func NewReader(r io.Reader) *Reader {
	return newReader(newCSVSource(r))
}

// newStringReader returns a Reader over a body held in memory, whose values
// are substrings of body wherever the CSV text holds them verbatim: it
// allocates nothing per row.
func newStringReader(body string) *Reader {
	return newReader(newStringSource(body))
}

func newReader(src source) *Reader {
	return &Reader{src: src, table: -1, wantHeader: true, allSeen: map[string]struct{}{}}
}

// Columns returns the data columns of the current table: the table of the
// record last returned by Next, or after Next has returned io.EOF, the last
// table in the body. The caller must not modify the slice.
func (r *Reader) Columns() []string { return r.columns }

// AllColumns returns the names of every column in every header read so far,
// without repeats, in the order they were first seen. After Next has returned
// io.EOF it includes tables that had a header but no rows. The caller must
// not modify the slice.
func (r *Reader) AllColumns() []string { return r.all }

// Next returns the next data row. It returns io.EOF after the last row, and
// a *ParseError for malformed input. After an error, every later call
// returns the same error.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	for {
		rec, start, end, err := r.src.read()
		if err != nil {
			r.err = err
			return Record{}, r.err
		}
		blankBefore := r.prevEndLine > 0 && start > r.prevEndLine+1
		r.prevEndLine = end
		if blankBefore {
			r.startTable()
		}

		if strings.HasPrefix(rec[0], "#") && (r.wantHeader || r.annotCol) {
			if !r.wantHeader {
				r.startTable()
			}
			if rec[0] == "#default" {
				r.pending = append(r.pending[:0], rec...)
			}
			continue
		}

		if r.wantHeader {
			r.readHeader(rec)
			continue
		}

		vals := rec
		if r.annotCol {
			vals = rec[1:]
		}
		switch {
		case len(vals) > len(r.columns):
			r.err = &ParseError{Line: start, Err: fmt.Errorf("%w: %d fields, header has %d", ErrTooManyFields, len(vals), len(r.columns))}
			return Record{}, r.err
		case len(vals) < len(r.columns):
			r.vals = append(r.vals[:0], vals...)
			for len(r.vals) < len(r.columns) {
				r.vals = append(r.vals, "")
			}
			vals = r.vals
		}
		if r.defaults != nil {
			for i, v := range vals {
				if v == "" {
					vals[i] = r.defaults[i]
				}
			}
		}
		return Record{Table: r.table, Line: start, Values: vals}, nil
	}
}

// startTable forgets the current table: the next non-annotation row is a
// header.
func (r *Reader) startTable() {
	r.wantHeader = true
	r.pending = r.pending[:0]
}

func (r *Reader) readHeader(rec []string) {
	r.wantHeader = false
	r.table++
	r.annotCol = rec[0] == ""
	names := rec
	if r.annotCol {
		names = rec[1:]
	}
	// rec is reused by encoding/csv; the strings themselves are not.
	r.columns = append([]string(nil), names...)
	for _, n := range r.columns {
		if _, ok := r.allSeen[n]; !ok {
			r.allSeen[n] = struct{}{}
			r.all = append(r.all, n)
		}
	}

	r.defaults = nil
	if r.annotCol && len(r.pending) > 1 {
		// A #default row lines up with the header: its label sits in the
		// annotation column, the defaults under the data columns.
		r.defaults = make([]string, len(r.columns))
		for i := range r.defaults {
			if j := i + 1; j < len(r.pending) {
				r.defaults[i] = r.pending[j]
			}
		}
	}
}

func convertErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return err
}

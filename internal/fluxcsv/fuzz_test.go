package fluxcsv

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
)

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		apiPlain, annotatedSingle, annotatedMulti, plainMulti, fluxErrorTable,
		"", "\n", "\uFEFF", ",a\n", "a,b\n1,2\n", ",a\r\n,\"x\r\ny\"\r\n\r\n,b\r\n,1",
		",a,b\n,1,\"p\n\nq\"\n,2\n", "#default,x\n,a\n,\n", ",a\n,1,2\n", ",a\n,\"open\n",
		// Quoting and line ends, where the in-memory source must read as
		// encoding/csv does.
		",a,b\n,\"x\"\"y\",\"\"\n,\"\"\"\",z\r\n", ",a\n,\"q\"x\n", ",a\n,b\"c\n", ",a\r\n\r\n\r\n,b\r\n,1\r",
		",a\n,\"x\r\n\r\ny\"\n", ",a\n,\"x\"\r", ",a\n,\"x\n\r", "\r\n\r", ",a\n,\"\n", "\uFEFF,a\n,\"x\"\"\n", ",a\n,1\r\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Stream the body, checking each record against its table.
		r := NewReader(bytes.NewReader(data))
		records := 0
		var streamRows [][]string
		var streamErr error
		for {
			rec, err := r.Next()
			if err != nil {
				if err != io.EOF {
					streamErr = err
				}
				break
			}
			records++
			if records > len(data) {
				t.Fatalf("%d records from %d bytes", records, len(data))
			}
			if len(rec.Values) != len(r.Columns()) {
				t.Fatalf("record has %d values, table has %d columns", len(rec.Values), len(r.Columns()))
			}
			if rec.Table < 0 || rec.Line < 1 {
				t.Fatalf("record at table %d, line %d", rec.Table, rec.Line)
			}
			streamRows = append(streamRows, append(slices.Clone(r.Columns()), rec.Values...))
		}
		if streamErr != nil {
			var pe *ParseError
			if !errors.As(streamErr, &pe) || pe.Line < 1 {
				t.Fatalf("stream error %v (%T), want a *ParseError with a line", streamErr, streamErr)
			}
		}

		res, err := Collect(bytes.NewReader(data), int64(len(data)))
		if (err == nil) != (streamErr == nil) || (err != nil && err.Error() != streamErr.Error()) {
			t.Fatalf("Collect error %v, stream error %v", err, streamErr)
		}
		// Collect reads the body held in memory, without encoding/csv: its
		// rows must be the stream's, column for column and value for value
		// (and its errors, checked above, the same).
		if err == nil {
			var rows [][]string
			if err := res.EachRow(func(columns, values []string) {
				rows = append(rows, append(slices.Clone(columns), values...))
			}); err != nil {
				t.Fatalf("EachRow: %v", err)
			}
			if !slices.EqualFunc(rows, streamRows, slices.Equal) {
				t.Fatalf("EachRow rows\n  %q\nstream rows\n  %q", rows, streamRows)
			}
		}
		if res == nil || res.Raw != string(data) {
			t.Fatalf("Raw differs from the body")
		}
		if err == nil {
			rows := rowMaps(t, res)
			if len(rows) != records {
				t.Fatalf("Collect returned %d rows, the stream had %d records", len(rows), records)
			}
			seen := map[string]bool{}
			for _, c := range res.Columns {
				if seen[c] {
					t.Fatalf("column %q listed twice", c)
				}
				seen[c] = true
			}
			for _, row := range rows {
				for k := range row {
					if !seen[k] {
						t.Fatalf("row key %q is not in Columns", k)
					}
				}
			}
		}

		if len(data) > 0 {
			_, err := Collect(bytes.NewReader(data), int64(len(data)-1))
			var tl *TooLargeError
			if !errors.As(err, &tl) {
				t.Fatalf("Collect with a limit one byte short: %v, want *TooLargeError", err)
			}
		}
	})
}

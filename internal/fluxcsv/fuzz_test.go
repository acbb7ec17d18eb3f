package fluxcsv

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		apiPlain, annotatedSingle, annotatedMulti, plainMulti, fluxErrorTable,
		"", "\n", "\uFEFF", ",a\n", "a,b\n1,2\n", ",a\r\n,\"x\r\ny\"\r\n\r\n,b\r\n,1",
		",a,b\n,1,\"p\n\nq\"\n,2\n", "#default,x\n,a\n,\n", ",a\n,1,2\n", ",a\n,\"open\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Stream the body, checking each record against its table.
		r := NewReader(bytes.NewReader(data))
		records := 0
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
		}
		if streamErr != nil {
			var pe *ParseError
			if !errors.As(streamErr, &pe) || pe.Line < 1 {
				t.Fatalf("stream error %v (%T), want a *ParseError with a line", streamErr, streamErr)
			}
		}

		res, err := Collect(bytes.NewReader(data), int64(len(data)))
		if (err == nil) != (streamErr == nil) {
			t.Fatalf("Collect error %v, stream error %v", err, streamErr)
		}
		if res == nil || res.Raw != string(data) {
			t.Fatalf("Raw differs from the body")
		}
		if err == nil {
			if len(res.Rows) != records {
				t.Fatalf("Collect returned %d rows, the stream had %d records", len(res.Rows), records)
			}
			seen := map[string]bool{}
			for _, c := range res.Columns {
				if seen[c] {
					t.Fatalf("column %q listed twice", c)
				}
				seen[c] = true
			}
			for _, row := range res.Rows {
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

package fluxcsv

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// Samples shaped like real invocation results. apiPlain is the example from
// the API contract: a header row and data rows, no annotations.
const (
	apiPlain = `,result,table,_start,_stop,_time,_value,_field,_measurement,host
,_result,0,2019-10-30T01:28:02.52716421Z,2022-07-26T01:28:02.52716421Z,2020-01-01T00:00:00Z,72.01,used_percent,mem,host2
,_result,0,2019-10-30T01:28:02.52716421Z,2022-07-26T01:28:02.52716421Z,2020-01-01T00:00:10Z,71.9,used_percent,mem,host2
`

	annotatedSingle = `#datatype,string,long,dateTime:RFC3339,double,string,string
#group,false,false,false,false,true,true
#default,_result,,,,,
,result,table,_time,_value,_field,_measurement
,,0,2020-01-01T00:00:00Z,21.5,temp,air
,,0,2020-01-01T00:01:00Z,21.7,temp,air
`

	annotatedMulti = `#datatype,string,long,string,double
#group,false,false,true,false
#default,_result,,,
,result,table,_field,_value
,,0,temp,21.5
,,1,hum,40

#datatype,string,long,string,long,string
#group,false,false,true,false,false
#default,counts,,,,
,result,table,_field,count,note
,,2,temp,10,
`

	plainMulti = `,result,table,_field,_value
,_result,0,temp,21.5


,result,table,host,count
,_result,1,h1,3
`

	fluxErrorTable = `#datatype,string,string
#group,true,true
#default,,
,error,reference
,"failed to execute query: bucket ""x"" not found",897
`
)

func TestCollect(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		columns []string
		rows    []map[string]string
	}{
		{
			name:    "plain single table from the API contract",
			body:    apiPlain,
			columns: []string{"result", "table", "_start", "_stop", "_time", "_value", "_field", "_measurement", "host"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "_start": "2019-10-30T01:28:02.52716421Z", "_stop": "2022-07-26T01:28:02.52716421Z", "_time": "2020-01-01T00:00:00Z", "_value": "72.01", "_field": "used_percent", "_measurement": "mem", "host": "host2"},
				{"result": "_result", "table": "0", "_start": "2019-10-30T01:28:02.52716421Z", "_stop": "2022-07-26T01:28:02.52716421Z", "_time": "2020-01-01T00:00:10Z", "_value": "71.9", "_field": "used_percent", "_measurement": "mem", "host": "host2"},
			},
		},
		{
			name:    "annotated single table, empty result cells take the #default",
			body:    annotatedSingle,
			columns: []string{"result", "table", "_time", "_value", "_field", "_measurement"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "_time": "2020-01-01T00:00:00Z", "_value": "21.5", "_field": "temp", "_measurement": "air"},
				{"result": "_result", "table": "0", "_time": "2020-01-01T00:01:00Z", "_value": "21.7", "_field": "temp", "_measurement": "air"},
			},
		},
		{
			name:    "annotated tables with different columns and their own defaults",
			body:    annotatedMulti,
			columns: []string{"result", "table", "_field", "_value", "count", "note"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "_field": "temp", "_value": "21.5"},
				{"result": "_result", "table": "1", "_field": "hum", "_value": "40"},
				{"result": "counts", "table": "2", "_field": "temp", "count": "10", "note": ""},
			},
		},
		{
			name:    "plain tables separated by blank lines",
			body:    plainMulti,
			columns: []string{"result", "table", "_field", "_value", "host", "count"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "_field": "temp", "_value": "21.5"},
				{"result": "_result", "table": "1", "host": "h1", "count": "3"},
			},
		},
		{
			name: "quoted fields with commas, quotes and newlines, a blank line inside a quote is not a table break",
			body: ",result,table,a,b,c\n" +
				",_result,0,\"x,y\",\"say \"\"hi\"\"\",\"line1\nline2\"\n" +
				",_result,0,\"p\n\nq\",plain,\"\"\n" +
				",_result,0,last,\"\n\",z\n",
			columns: []string{"result", "table", "a", "b", "c"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "a": "x,y", "b": `say "hi"`, "c": "line1\nline2"},
				{"result": "_result", "table": "0", "a": "p\n\nq", "b": "plain", "c": ""},
				{"result": "_result", "table": "0", "a": "last", "b": "\n", "c": "z"},
			},
		},
		{
			name:    "a multi-line last field, then a blank line, then a new table",
			body:    ",a,b\n,1,\"x\ny\"\n\n,c\n,2\n",
			columns: []string{"a", "b", "c"},
			rows:    []map[string]string{{"a": "1", "b": "x\ny"}, {"c": "2"}},
		},
		{
			name:    "CRLF line endings, blank CRLF line between tables, CRLF inside a quote",
			body:    ",result,table,v\r\n,_result,0,\"a\r\nb\"\r\n\r\n,result,table,w\r\n,_result,1,2\r\n",
			columns: []string{"result", "table", "v", "w"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "v": "a\nb"},
				{"result": "_result", "table": "1", "w": "2"},
			},
		},
		{
			name:    "UTF-8 byte order mark at the start",
			body:    "\uFEFF,result,table,_value\n,_result,0,1\n",
			columns: []string{"result", "table", "_value"},
			rows:    []map[string]string{{"result": "_result", "table": "0", "_value": "1"}},
		},
		{
			name:    "BOM before a generic header stays out of the first column name",
			body:    "\uFEFFname,value\nx,1\n",
			columns: []string{"name", "value"},
			rows:    []map[string]string{{"name": "x", "value": "1"}},
		},
		{
			name:    "no final newline",
			body:    ",result,table,_value\n,_result,0,1",
			columns: []string{"result", "table", "_value"},
			rows:    []map[string]string{{"result": "_result", "table": "0", "_value": "1"}},
		},
		{
			name:    "empty body",
			body:    "",
			columns: []string{},
			rows:    []map[string]string{},
		},
		{
			name:    "only blank lines",
			body:    "\n\r\n\n",
			columns: []string{},
			rows:    []map[string]string{},
		},
		{
			name:    "only a header",
			body:    ",result,table,_value\n",
			columns: []string{"result", "table", "_value"},
			rows:    []map[string]string{},
		},
		{
			name:    "only annotations and a header",
			body:    "#datatype,string,long\n#group,false,false\n#default,_result,\n,result,table\n",
			columns: []string{"result", "table"},
			rows:    []map[string]string{},
		},
		{
			name:    "a table with a header and no rows, then a table with rows",
			body:    ",a,b\n\n,c\n,1\n",
			columns: []string{"a", "b", "c"},
			rows:    []map[string]string{{"c": "1"}},
		},
		{
			name:    "Flux error table is ordinary data",
			body:    fluxErrorTable,
			columns: []string{"error", "reference"},
			rows:    []map[string]string{{"error": `failed to execute query: bucket "x" not found`, "reference": "897"}},
		},
		{
			name:    "data table then an error table after a blank line",
			body:    ",result,table,_value\n,_result,0,1\n\n" + fluxErrorTable,
			columns: []string{"result", "table", "_value", "error", "reference"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "_value": "1"},
				{"error": `failed to execute query: bucket "x" not found`, "reference": "897"},
			},
		},
		{
			name:    "annotations inside an annotated table start a new table without a blank line",
			body:    "#default,r1,\n,result,a\n,,1\n#default,r2,\n,result,b\n,,2\n",
			columns: []string{"result", "a", "b"},
			rows:    []map[string]string{{"result": "r1", "a": "1"}, {"result": "r2", "b": "2"}},
		},
		{
			name:    "defaults do not carry over into the next table",
			body:    "#default,r1,d\n,result,a\n,,\n\n,result,a\n,,\n",
			columns: []string{"result", "a"},
			rows:    []map[string]string{{"result": "r1", "a": "d"}, {"result": "", "a": ""}},
		},
		{
			name:    "generic CSV keeps its first column, and '#' there is data",
			body:    "name,value\n#1,a\nx,b\n",
			columns: []string{"name", "value"},
			rows:    []map[string]string{{"name": "#1", "value": "a"}, {"name": "x", "value": "b"}},
		},
		{
			name:    "#default before a generic header is ignored: the label has no column to sit in",
			body:    "#default,d1,d2\na,b\n,\n",
			columns: []string{"a", "b"},
			rows:    []map[string]string{{"a": "", "b": ""}},
		},
		{
			name:    "row with fewer fields than the header is padded with empty values, which take the default",
			body:    "#default,_result,,none\n,result,table,a,b\n,,0\n,,1,x\n",
			columns: []string{"result", "table", "a", "b"},
			rows: []map[string]string{
				{"result": "_result", "table": "0", "a": "none", "b": ""},
				{"result": "_result", "table": "1", "a": "x", "b": ""},
			},
		},
		{
			name:    "duplicate column names across tables appear once",
			body:    ",result,x\n,r,1\n\n,result,x,y\n,r,2,3\n",
			columns: []string{"result", "x", "y"},
			rows:    []map[string]string{{"result": "r", "x": "1"}, {"result": "r", "x": "2", "y": "3"}},
		},
		{
			name:    "a name repeated within one header: listed once, the later value wins",
			body:    ",a,a\n,1,2\n",
			columns: []string{"a"},
			rows:    []map[string]string{{"a": "2"}},
		},
		{
			name:    "unicode names and values",
			body:    ",température,名前\n,21°C,東京\n",
			columns: []string{"température", "名前"},
			rows:    []map[string]string{{"température": "21°C", "名前": "東京"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Collect(strings.NewReader(tt.body), 1<<20)
			if err != nil {
				t.Fatalf("Collect: %v", err)
			}
			if res.Raw != tt.body {
				t.Errorf("Raw = %q, want the body unchanged %q", res.Raw, tt.body)
			}
			if !reflect.DeepEqual(res.Columns, tt.columns) {
				t.Errorf("Columns =\n  %q\nwant\n  %q", res.Columns, tt.columns)
			}
			if rows := rowMaps(t, res); !reflect.DeepEqual(rows, tt.rows) {
				t.Errorf("rows =\n  %q\nwant\n  %q", rows, tt.rows)
			}
		})
	}
}

func TestCollectErrors(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		line    int
		column  int
		wantErr error // matched with errors.Is when set
	}{
		{
			name:    "row with more fields than the header names its line",
			body:    ",result,table\n,_result,0\n,_result,0,extra\n",
			line:    3,
			wantErr: ErrTooManyFields,
		},
		{
			name:    "too many fields in a generic table",
			body:    "a,b\n1,2\n\n\nc\n3\n4,5\n",
			line:    7,
			wantErr: ErrTooManyFields,
		},
		{
			name:   "bare quote in an unquoted field",
			body:   ",a\n,x\"y\n",
			line:   2,
			column: 3,
		},
		{
			name:   "unterminated quote",
			body:   ",a\n,ok\n,\"never closed\n",
			line:   3,
			column: 16,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Collect(strings.NewReader(tt.body), 1<<20)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Collect error = %v (%T), want *ParseError", err, err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("ParseError at line %d, column %d; want %d, %d (%v)", pe.Line, pe.Column, tt.line, tt.column, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if res == nil || res.Raw != tt.body {
				t.Errorf("a parse error should still return the raw body; got %+v", res)
			} else if res.NumRows != 0 || res.Columns != nil {
				t.Errorf("a parse error should return no rows or columns; got %+v", res)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Collect(strings.NewReader(",a\n,1,2\n"), 100)
	want := "result CSV: line 2: row has more fields than the header: 2 fields, header has 1"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// TestReaderRecords checks what Collect does not show: table indexes, line
// numbers, the current table's columns, and the end of the stream.
func TestReaderRecords(t *testing.T) {
	type rec struct {
		Table   int
		Line    int
		Values  []string
		Columns []string
	}
	body := annotatedMulti + "\n,result,table,x\n,,3,\"multi\nline\"\n,,3,y\n"
	want := []rec{
		{0, 5, []string{"_result", "0", "temp", "21.5"}, []string{"result", "table", "_field", "_value"}},
		{0, 6, []string{"_result", "1", "hum", "40"}, []string{"result", "table", "_field", "_value"}},
		{1, 12, []string{"counts", "2", "temp", "10", ""}, []string{"result", "table", "_field", "count", "note"}},
		{2, 15, []string{"", "3", "multi\nline"}, []string{"result", "table", "x"}},
		{2, 17, []string{"", "3", "y"}, []string{"result", "table", "x"}},
	}
	r := NewReader(strings.NewReader(body))
	var got []rec
	for {
		rc, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		// Values is reused by the next call, so copy it.
		got = append(got, rec{rc.Table, rc.Line, append([]string(nil), rc.Values...), append([]string(nil), r.Columns()...)})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records =\n  %+v\nwant\n  %+v", got, want)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
	wantAll := []string{"result", "table", "_field", "_value", "count", "note", "x"}
	if !reflect.DeepEqual(r.AllColumns(), wantAll) {
		t.Errorf("AllColumns = %q, want %q", r.AllColumns(), wantAll)
	}
}

func TestReaderErrorIsSticky(t *testing.T) {
	r := NewReader(strings.NewReader(",a\n,1,2\n,3\n"))
	_, err1 := r.Next()
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors = %v, %v; want the same non-nil error twice", err1, err2)
	}
}

type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadErrorsPassThrough(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewReader(&failingReader{data: ",a\n,1\n", err: boom})
	if _, err := r.Next(); err != nil {
		t.Fatalf("first row: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Errorf("Next = %v, want the read error", err)
	}

	res, err := Collect(&failingReader{data: ",a\n,1\n", err: boom}, 100)
	if !errors.Is(err, boom) || res != nil {
		t.Errorf("Collect = %v, %v; want nil and the read error", res, err)
	}
}

// errOnceReader returns data, then err once, then io.EOF, as a network body
// may: an error that is dropped is not seen again.
type errOnceReader struct {
	data string
	err  error
}

func (e *errOnceReader) Read(p []byte) (int, error) {
	if e.data != "" {
		n := copy(p, e.data)
		e.data = e.data[n:]
		return n, nil
	}
	if err := e.err; err != nil {
		e.err = nil
		return 0, err
	}
	return 0, io.EOF
}

func TestReadErrorInTheFirstBytesIsKept(t *testing.T) {
	boom := errors.New("connection reset")
	for _, data := range []string{"", ",", ",a"} {
		r := NewReader(&errOnceReader{data: data, err: boom})
		if _, err := r.Next(); !errors.Is(err, boom) {
			t.Errorf("body %q then an error: Next = %v, want the read error", data, err)
		}
	}
}

func TestLooksLikeCSV(t *testing.T) {
	tests := []struct {
		ct   string
		want bool
	}{
		{"text/csv", true},
		{"application/csv", true},
		{"text/csv; charset=utf-8", true},
		{"Text/CSV;charset=UTF-8", true},
		{"application/csv; header=present", true},
		{"text/csv; charset", true}, // malformed parameter
		{"application/json", false},
		{"application/json; charset=utf-8", false},
		{"text/plain", false},
		{"text/csvx", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := LooksLikeCSV(tt.ct); got != tt.want {
			t.Errorf("LooksLikeCSV(%q) = %v, want %v", tt.ct, got, tt.want)
		}
	}
}

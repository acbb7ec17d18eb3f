package scriptparams

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNames(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   []string
	}{
		{"empty script", "", []string{}},
		{"no params", `from(bucket: "b") |> range(start: -1h)`, []string{}},
		{
			"docs example",
			`from(bucket: params.mybucket)
  |> range(start: -7d)
  |> limit(n: params.limit)`,
			[]string{"limit", "mybucket"},
		},
		{"sorted and unique", "params.b + params.a + params.b", []string{"a", "b"}},
		{"bracket form", `params["bucket"]`, []string{"bucket"}},
		{"bracket form with spaces inside", "params[ \"bucket\"\t]", []string{"bucket"}},
		{"bracket key that is not an identifier", `params["my-bucket name"]`, []string{"my-bucket name"}},
		{"dot and bracket forms of one name", `params.x + params["x"]`, []string{"x"}},
		{"bracket key with an escape is skipped", `params["a\"b"]`, []string{}},
		{"bracket key with an interpolation is skipped but read as code", `params["${params.inner}"]`, []string{"inner"}},
		{"bracket key with an escaped backslash is skipped", `params["a\\b"]`, []string{}},
		{"bracket with an expression after the key", `params["x" + y]`, []string{}},
		{"empty bracket key is skipped", `params[""]`, []string{}},
		{"bracket without a string", `params[k]`, []string{}},
		{"unclosed bracket", `params["x"`, []string{}},
		{"single quotes are not Flux strings", `params['x']`, []string{}},
		{"space before the dot is not a reference", `params .x`, []string{}},
		{"space after the dot is not a reference", `params. x`, []string{}},
		{"space before the bracket is not a reference", `params ["x"]`, []string{}},
		{"params alone", `f(p: params)`, []string{}},
		{"params at the end", `x = params`, []string{}},
		{"params followed by a dot at the end", `x = params.`, []string{}},
		{"longer identifier ending in params", `myparams.x + my_params.y`, []string{}},
		{"longer identifier starting with params", `params2.x + params_.y`, []string{}},
		{"member of another record", `r.params.x + r .params.y`, []string{}},
		{"dot then space then params", `r. params.x`, []string{}},
		{"nested member: only the first level", `params.a.b`, []string{"a"}},
		{"identifier with digits and underscores", `params._x1 + params.y_2z`, []string{"_x1", "y_2z"}},
		{"identifier cannot start with a digit", `params.1x`, []string{}},
		{"unicode identifiers", `params.température + params.名前 + params.x٣`, []string{"température", "x٣", "名前"}},
		{"non-letter symbol ends the identifier", `params.a€b`, []string{"a"}},
		{"line comment", "// params.hidden\nparams.shown", []string{"shown"}},
		{"comment after code", "x = params.a // and params.b", []string{"a"}},
		{"comment ends at the newline", "x = 1 // params.b\r\ny = params.c", []string{"c"}},
		{"comment at end without newline", "params.a //params.b", []string{"a"}},
		{"string literal", `x = "params.notme"`, []string{}},
		{"string with escaped quote", `x = "a \" params.notme" + params.me`, []string{"me"}},
		{"string with escaped backslash before the quote", `x = "a\\" + params.me`, []string{"me"}},
		{"multi-line string", "x = \"line\nparams.no\n\" + params.yes", []string{"yes"}},
		{"comment marker inside a string", `x = "http://host" + params.a`, []string{"a"}},
		{"string delimiter inside a comment", "// \"\nparams.a", []string{"a"}},
		{"interpolation is code", `x = "bucket ${params.bucket}!"`, []string{"bucket"}},
		{"escaped interpolation is text", `x = "\${params.no}"`, []string{}},
		{"dollar without brace is text", `x = "$params.no"`, []string{}},
		{"interpolation with a record literal", `x = "${ {a: params.a}.a } and params.no"`, []string{"a"}},
		{"closing brace of a record inside an interpolation", `x = "${ {a: 1}.a + params.b }"`, []string{"b"}},
		{"nested interpolation", `x = "${ "in ${params.deep} params.no" + params.mid } params.no"`, []string{"deep", "mid"}},
		{"interpolation with a bracket reference", `x = "${params["k"]}"`, []string{"k"}},
		{"code after an interpolated string", `x = "${params.a}" + params.b`, []string{"a", "b"}},
		{"regex literal after a call paren", `filter(fn: (r) => r.host =~ /params.no/ and r.x == params.yes)`, []string{"yes"}},
		{"regex with an escaped slash", `x = /a\/params.no/ + params.yes`, []string{"yes"}},
		{"regex after a keyword", `if true then /params.no/ else params.yes`, []string{"yes"}},
		{"regex at the start", `/params.no/`, []string{}},
		{"division is not a regex", `x = params.a / params.b / 2`, []string{"a", "b"}},
		{"division after a closing paren", `x = (1) / params.a / 3`, []string{"a"}},
		{"division after a call", `x = f() / params.a / 2`, []string{"a"}},
		{"division after a regex (not valid Flux, but a regex is an operand)", `x = /r/ / params.a / 2`, []string{"a"}},
		{"division after a number", `x = 10 / params.a / 2`, []string{"a"}},
		{"unclosed regex on its line is division", "x = 1 + /params.a\nparams.b", []string{"a", "b"}},
		{"a regex cannot reach past its line", "x = 1 + /params.a\ny = params.b / 2", []string{"a", "b"}},
		{"unterminated string", `x = params.a + "params.b`, []string{"a"}},
		{"unterminated interpolation", `x = "${params.a`, []string{"a"}},
		{"unterminated interpolation with a string", `x = "${ "params.no`, []string{}},
		{"stray closing brace", `} params.a }`, []string{"a"}},
		{"backslash at the very end of a string", `"\`, []string{}},
		{"invalid UTF-8", "params.a \xff params.b \xc3", []string{"a", "b"}},
		{"durations and dates", `range(start: 2024-01-01T00:00:00Z, stop: 1h30m) |> f(d: params.every)`, []string{"every"}},
		{
			"realistic script",
			`import "strings"
// Returns the mean of params.field over the window.
option v = {bucket: params.bucket}
from(bucket: v.bucket)
  |> range(start: duration(v: params["start"]))
  |> filter(fn: (r) => r._measurement == params.measurement and r.host =~ /^web-\d+$/)
  |> filter(fn: (r) => r._field == "${params.field}")
  |> aggregateWindow(every: params.every, fn: mean)
  |> map(fn: (r) => ({r with label: "avg of params.ignored"}))`,
			[]string{"bucket", "every", "field", "measurement", "start"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Names(tt.script)
			if got == nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Names(%q) = %#v, want %#v", tt.script, got, tt.want)
			}
		})
	}
}

func isIdentifier(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if r != '_' && !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{
		"", "params.a", `params["b c"]`, `"${params.x}"`, "// params.c\n", `/params.d/`,
		`x = "${ "${params.e}" }"`, `params.température`, `r.params.x`, `a / params.b / c`,
		"params[ \"k\" ]", `"\${params.no}"`, `"unterminated ${`, "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		got := Names(script)
		if got == nil {
			t.Fatal("Names returned nil")
		}
		if !slices.IsSorted(got) {
			t.Fatalf("not sorted: %q", got)
		}
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				t.Fatalf("repeated name %q", got[i])
			}
		}
		for _, n := range got {
			// A name is an identifier from params.name, or a key from
			// params["name"], which then appears in the script quoted.
			if !isIdentifier(n) && !strings.Contains(script, `"`+n+`"`) {
				t.Fatalf("name %q is neither an identifier nor a quoted key in the script", n)
			}
			if !strings.Contains(script, "params") {
				t.Fatalf("name %q found in a script without params", n)
			}
		}
	})
}

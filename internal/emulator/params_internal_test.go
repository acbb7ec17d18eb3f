package emulator

import (
	"fmt"
	"testing"
)

func TestScriptParamsScanner(t *testing.T) {
	cases := []struct {
		name, language, script string
		want                   map[string]string
	}{
		{"member", "flux", `from(bucket: params.b)`, map[string]string{"b": "string"}},
		{"index", "flux", `from(bucket: params["my key"])`, map[string]string{"my key": "string"}},
		{"index with escapes", "flux", `x = params["a\"b"]`, map[string]string{`a"b`: "any"}},
		{"spaces around dot", "flux", `x = params . spaced`, map[string]string{"spaced": "any"}},
		{"line comment", "flux", "// params.c\nx = 1 // and params.d", map[string]string{}},
		{"string literal", "flux", `x = "params.s and params[\"t\"]"`, map[string]string{}},
		{"escaped quote in string", "flux", `x = "\" params.s" y = params.real`, map[string]string{"real": "any"}},
		{"interpolation", "flux", `x = "v=${params.i} ${ "nested ${params.j}" }"`, map[string]string{"i": "any", "j": "any"}},
		{"member of something else", "flux", `x = r.params.not`, map[string]string{}},
		{"params alone", "flux", `f(p: params)`, map[string]string{}},
		{"interpolated key is not a literal", "flux", `x = params["${k}"]`, map[string]string{}},
		{"unicode identifier", "flux", `x = params.größe`, map[string]string{"größe": "any"}},
		{"unterminated string", "flux", `x = params.a y = "params.b`, map[string]string{"a": "any"}},
		{"durations and dates", "flux", `range(start: 2024-01-01T00:00:00Z, stop: params.stop) |> window(every: 1h30m, period: params.p)`,
			map[string]string{"stop": "time", "p": "duration"}},
		{"limit offset vs window offset", "flux", `limit(n: 1, offset: params.lo) |> window(every: 1m, offset: params.wo)`,
			map[string]string{"lo": "int", "wo": "duration"}},
		{"nested call args", "flux", `to(bucket: params.b, org: params.o, fieldFn: (r) => ({v: params.v}))`,
			map[string]string{"b": "string", "o": "string", "v": "any"}},
		{"expression is any", "flux", `limit(n: -params.neg)`, map[string]string{"neg": "any"}},
		{"conflicting types", "flux", `from(bucket: params.x) |> tail(n: params.x)`, map[string]string{"x": "any"}},
		{"any then concrete", "flux", `y = params.x from(bucket: params.x)`, map[string]string{"x": "string"}},
		{"bool args", "flux", `sort(desc: params.d) |> derivative(nonNegative: params.nn)`, map[string]string{"d": "bool", "nn": "bool"}},
		{"sql quotes and comments", "sql", "SELECT * FROM t WHERE a = 'params.no' -- params.c\nAND b = params.yes", map[string]string{"yes": "any"}},
		{"flux has no -- comments", "flux", "x = 1 -- params.y", map[string]string{"y": "any"}},
		{"regex literal", "flux", `filter(fn: (r) => r.host =~ /params.x/ and r.v == params.y)`, map[string]string{"y": "any"}},
		{"regex with an escaped slash", "flux", `x = /a\/params.b/ y = params.c`, map[string]string{"c": "any"}},
		{"regex after a keyword", "flux", `f = (r) => if r.a =~ /x/ then params.t else /params.no/`, map[string]string{"t": "any"}},
		{"division is not a regex", "flux", `x = params.a / params.b / 2`, map[string]string{"a": "any", "b": "any"}},
		{"division after a bracket", "flux", `x = (params.a) / params.b`, map[string]string{"a": "any", "b": "any"}},
		{"slash without a closing slash", "flux", "x = 1\ny = / params.z", map[string]string{"z": "any"}},
		{"sql has no regex literals", "sql", `SELECT a / 2 FROM t WHERE b = params.q`, map[string]string{"q": "any"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := scriptParams(tc.script, tc.language)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("scriptParams(%q) = %v, want %v", tc.script, got, tc.want)
			}
		})
	}
}

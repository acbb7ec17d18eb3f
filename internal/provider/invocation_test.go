package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/fluxcsv"
)

func mustObject(t *testing.T, attrs map[string]attr.Value) types.Object {
	t.Helper()
	attrTypes := map[string]attr.Type{}
	for k, v := range attrs {
		attrTypes[k] = v.Type(context.Background())
	}
	o, diags := types.ObjectValue(attrTypes, attrs)
	if diags.HasError() {
		t.Fatalf("building object: %v", diags)
	}
	return o
}

func TestParamsToGo(t *testing.T) {
	ctx := context.Background()
	tuple, diags := types.TupleValue([]attr.Type{types.NumberType, types.StringType, types.BoolType},
		[]attr.Value{types.NumberValue(big.NewFloat(1)), types.StringValue("a"), types.BoolNull()})
	if diags.HasError() {
		t.Fatal(diags)
	}
	nested := mustObject(t, map[string]attr.Value{"on": types.BoolValue(true), "n": types.NumberValue(big.NewFloat(5))})
	strMap, diags := types.MapValue(types.StringType, map[string]attr.Value{"k": types.StringValue("v")})
	if diags.HasError() {
		t.Fatal(diags)
	}
	set, diags := types.SetValue(types.StringType, []attr.Value{types.StringValue("x")})
	if diags.HasError() {
		t.Fatal(diags)
	}
	huge, _, _ := big.ParseFloat("123456789012345678901234567890", 10, 512, big.ToNearestEven)
	third := new(big.Float).SetPrec(512).Quo(big.NewFloat(1).SetPrec(512), big.NewFloat(3).SetPrec(512))

	obj := mustObject(t, map[string]attr.Value{
		"bucket": types.StringValue("x"),
		"limit":  types.NumberValue(big.NewFloat(5)),
		"ratio":  types.NumberValue(big.NewFloat(2.5)),
		"neg":    types.NumberValue(big.NewFloat(-1e6)),
		"huge":   types.NumberValue(huge),
		"third":  types.NumberValue(third),
		"on":     types.BoolValue(false),
		"none":   types.StringNull(),
		"tuple":  tuple,
		"nested": nested,
		"map":    strMap,
		"set":    set,
	})
	got, err := paramsToGo(ctx, types.DynamicValue(obj))
	if err != nil {
		t.Fatal(err)
	}
	// 1/3 keeps all its digits (more than float64 has) and stays a number.
	if n, ok := got["third"].(json.Number); !ok || !strings.HasPrefix(string(n), "0.33333333333333333333333333") {
		t.Errorf("third = %#v, want a long json.Number", got["third"])
	}
	delete(got, "third")
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	want := `{"bucket":"x","huge":123456789012345678901234567890,"limit":5,"map":{"k":"v"},"neg":-1000000,"nested":{"n":5,"on":true},"none":null,"on":false,"ratio":2.5,"set":["x"],"tuple":[1,"a",null]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// Number types stay exact: no float64 on the way.
	if n, ok := got["limit"].(json.Number); !ok || n != "5" {
		t.Errorf("limit = %#v, want json.Number(\"5\")", got["limit"])
	}

	// A map is as good as an object.
	m, err := paramsToGo(ctx, types.DynamicValue(strMap))
	if err != nil || m["k"] != "v" {
		t.Errorf("map params: %v, %v", m, err)
	}
}

func TestParamsToGoNullAndErrors(t *testing.T) {
	ctx := context.Background()
	for name, v := range map[string]types.Dynamic{
		"null":            types.DynamicNull(),
		"null underlying": types.DynamicValue(types.ObjectNull(map[string]attr.Type{})),
	} {
		got, err := paramsToGo(ctx, v)
		if err != nil || got != nil {
			t.Errorf("%s: got %v, %v; want nil, nil", name, got, err)
		}
	}
	inf := new(big.Float).SetInf(false)
	for name, tc := range map[string]struct {
		v    types.Dynamic
		want string
	}{
		"string":  {types.DynamicValue(types.StringValue("x")), "params must be an object, not a string"},
		"unknown": {types.DynamicUnknown(), "not known yet"},
		"nested unknown": {types.DynamicValue(mustObject(t, map[string]attr.Value{"a": types.StringUnknown()})),
			`params["a"] is not known yet`},
		"infinite": {types.DynamicValue(mustObject(t, map[string]attr.Value{"a": types.NumberValue(inf)})),
			`params["a"] is infinite`},
	} {
		_, err := paramsToGo(ctx, tc.v)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestParamsObjectValidator(t *testing.T) {
	ctx := context.Background()
	list, _ := types.ListValue(types.StringType, []attr.Value{types.StringValue("a")})
	for name, tc := range map[string]struct {
		v       types.Dynamic
		wantErr string
	}{
		"object":  {types.DynamicValue(mustObject(t, map[string]attr.Value{"a": types.StringValue("b")})), ""},
		"null":    {types.DynamicNull(), ""},
		"unknown": {types.DynamicUnknown(), ""},
		"string":  {types.DynamicValue(types.StringValue("x")), "params must be an object whose keys are the parameter names, e.g. { bucket = \"telegraf\", limit = 5 }, but it is a string."},
		"list":    {types.DynamicValue(list), "but it is a list"},
		"bool":    {types.DynamicValue(types.BoolValue(true)), "but it is a bool"},
	} {
		resp := &validator.DynamicResponse{}
		paramsObjectValidator{}.ValidateDynamic(ctx, validator.DynamicRequest{Path: path.Root("params"), ConfigValue: tc.v}, resp)
		switch {
		case tc.wantErr == "" && resp.Diagnostics.HasError():
			t.Errorf("%s: unexpected error %v", name, resp.Diagnostics)
		case tc.wantErr != "":
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Errorf("%s: got %d errors, want 1", name, resp.Diagnostics.ErrorsCount())
				continue
			}
			d := resp.Diagnostics.Errors()[0]
			if d.Summary() != "Invalid Script Parameters" || !strings.Contains(d.Detail(), tc.wantErr) {
				t.Errorf("%s: got %q / %q, want detail containing %q", name, d.Summary(), d.Detail(), tc.wantErr)
			}
		}
	}
}

// countingReader records how much of the body was read.
type countingReader struct {
	r *strings.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestReadInvocationResult(t *testing.T) {
	// read returns what runInvocation makes of a body: raw, columns, and rows
	// as plain maps.
	read := func(t *testing.T, body io.Reader, ct string, limit int64) (string, []string, []map[string]string, string, error) {
		t.Helper()
		res, warn, err := readInvocationResult(body, ct, limit)
		if err != nil {
			return "", nil, nil, warn, err
		}
		list, err := rowsValue(res)
		if err != nil {
			t.Fatalf("rowsValue: %v", err)
		}
		rows := []map[string]string{}
		for _, e := range list.Elements() {
			row := map[string]string{}
			for k, v := range e.(types.Map).Elements() {
				row[k] = v.(types.String).ValueString()
			}
			rows = append(rows, row)
		}
		return res.Raw, res.Columns, rows, warn, nil
	}
	t.Run("csv", func(t *testing.T) {
		raw, cols, rows, warn, err := read(t, strings.NewReader(",result,table,v\r\n,_result,0,1\r\n"), "text/csv; charset=utf-8", 100)
		if err != nil || warn != "" {
			t.Fatalf("err %v, warning %q", err, warn)
		}
		if raw != ",result,table,v\r\n,_result,0,1\r\n" || strings.Join(cols, ",") != "result,table,v" || len(rows) != 1 || rows[0]["v"] != "1" {
			t.Errorf("got %q %v %v", raw, cols, rows)
		}
	})
	t.Run("json is kept raw", func(t *testing.T) {
		// A JSON body that would also read as CSV: only its Content-Type
		// decides.
		raw, cols, rows, warn, err := read(t, strings.NewReader("a,b\n1,2\n"), "application/json", 100)
		if err != nil || warn != "" || raw != "a,b\n1,2\n" || cols == nil || len(cols)+len(rows) != 0 {
			t.Errorf("got %q %#v %#v %q %v", raw, cols, rows, warn, err)
		}
	})
	t.Run("empty csv", func(t *testing.T) {
		raw, cols, rows, warn, err := read(t, strings.NewReader(""), "text/csv", 100)
		if err != nil || warn != "" || raw != "" || cols == nil || len(cols)+len(rows) != 0 {
			t.Errorf("got %q %#v %#v %q %v", raw, cols, rows, warn, err)
		}
	})
	t.Run("broken csv warns and keeps the body", func(t *testing.T) {
		raw, cols, rows, warn, err := read(t, strings.NewReader(",a\n,1,2\n"), "text/csv", 100)
		if err != nil || raw != ",a\n,1,2\n" || len(cols)+len(rows) != 0 || !strings.Contains(warn, "not CSV that can be read") {
			t.Errorf("got %q %v %v %q %v", raw, cols, rows, warn, err)
		}
	})
	for _, ct := range []string{"text/csv", "application/json"} {
		t.Run("too large "+ct, func(t *testing.T) {
			body := &countingReader{r: strings.NewReader(strings.Repeat("x", 1<<20))}
			_, _, err := readInvocationResult(body, ct, 1000)
			var tl *fluxcsv.TooLargeError
			if !errors.As(err, &tl) || tl.Limit != 1000 {
				t.Fatalf("got %v, want a TooLargeError for 1000", err)
			}
			// Reading stops soon after the limit rather than at the end of the body.
			if body.n > 64<<10 {
				t.Errorf("read %d bytes of a body whose limit is 1000", body.n)
			}
		})
		t.Run("exactly the limit "+ct, func(t *testing.T) {
			raw, _, _, _, err := read(t, strings.NewReader(strings.Repeat("x", 1000)), ct, 1000)
			if err != nil || len(raw) != 1000 {
				t.Errorf("got %d bytes, %v", len(raw), err)
			}
		})
	}
}

func TestQuoteList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"a"}, `the parameter "a"`},
		{[]string{"a", "b"}, `the parameters "a" and "b"`},
		{[]string{"a", "b", "c"}, `the parameters "a", "b" and "c"`},
	} {
		if got := quoteList("parameter", tc.in); got != tc.want {
			t.Errorf("quoteList(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestInvocationSchemasAgree: the data source and the ephemeral resource
// write their schemas out each in its own file; they must have the same
// attributes with the same types, the same required, optional, computed and
// sensitive flags, the same documentation (every attribute documented) and
// validators that say the same.
func TestInvocationSchemasAgree(t *testing.T) {
	ctx := context.Background()
	var dsResp datasource.SchemaResponse
	NewInvocationDataSource().Schema(ctx, datasource.SchemaRequest{}, &dsResp)
	var epResp ephemeral.SchemaResponse
	NewInvocationEphemeralResource().Schema(ctx, ephemeral.SchemaRequest{}, &epResp)
	if dsResp.Diagnostics.HasError() || epResp.Diagnostics.HasError() {
		t.Fatalf("schema diagnostics: %v %v", dsResp.Diagnostics, epResp.Diagnostics)
	}
	if diags := dsResp.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("data source schema: %v", diags)
	}
	if diags := epResp.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("ephemeral schema: %v", diags)
	}
	if len(dsResp.Schema.Attributes) != len(epResp.Schema.Attributes) || len(dsResp.Schema.Attributes) != 7 {
		t.Fatalf("attribute counts differ: %d vs %d", len(dsResp.Schema.Attributes), len(epResp.Schema.Attributes))
	}
	for name, a := range dsResp.Schema.Attributes {
		e, ok := epResp.Schema.Attributes[name]
		if !ok {
			t.Errorf("ephemeral schema lacks %s", name)
			continue
		}
		if a.GetMarkdownDescription() == "" || a.GetMarkdownDescription() != e.GetMarkdownDescription() {
			t.Errorf("%s: descriptions %q and %q", name, a.GetMarkdownDescription(), e.GetMarkdownDescription())
		}
		if a.GetDescription() != e.GetDescription() {
			t.Errorf("%s: plain descriptions %q and %q", name, a.GetDescription(), e.GetDescription())
		}
		if a.IsRequired() != e.IsRequired() || a.IsOptional() != e.IsOptional() || a.IsComputed() != e.IsComputed() || a.IsSensitive() != e.IsSensitive() {
			t.Errorf("%s: required/optional/computed/sensitive differ", name)
		}
		if !a.GetType().Equal(e.GetType()) {
			t.Errorf("%s: types %s and %s", name, a.GetType(), e.GetType())
		}
		if dv, ev := validatorDescriptions(ctx, a), validatorDescriptions(ctx, e); !slices.Equal(dv, ev) {
			t.Errorf("%s: validators %q and %q", name, dv, ev)
		}
	}
	if got := validatorDescriptions(ctx, dsResp.Schema.Attributes["max_result_bytes"]); len(got) != 1 {
		t.Errorf("max_result_bytes validators %q; the comparison above would not see them", got)
	}
	for _, want := range []string{"runs on every plan and refresh", "read-only (query) scripts", "ephemeral resource"} {
		if !strings.Contains(dsResp.Schema.MarkdownDescription, want) {
			t.Errorf("data source description lacks %q", want)
		}
	}
	for _, want := range []string{"without writing it to the state or plan", "Terraform 1.10", "OpenTofu 1.11", "read-only (query) scripts"} {
		if !strings.Contains(epResp.Schema.MarkdownDescription, want) {
			t.Errorf("ephemeral description lacks %q", want)
		}
	}
}

// validatorDescriptions lists what the validators of a schema attribute say;
// the schema packages declare a Validators field of a different type on
// each attribute kind, so it is read by reflection.
func validatorDescriptions(ctx context.Context, a any) []string {
	f := reflect.ValueOf(a).FieldByName("Validators")
	if !f.IsValid() {
		return nil
	}
	var out []string
	for i := range f.Len() {
		d, ok := f.Index(i).Interface().(interface{ Description(context.Context) string })
		if !ok {
			return append(out, fmt.Sprintf("validator %T without a description", f.Index(i).Interface()))
		}
		out = append(out, d.Description(ctx))
	}
	return out
}

// errorRe matches phrases in order in a CLI error, whatever the CLI's line
// wrapping: each phrase is literal except that a space matches any white space.
func errorRe(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = strings.ReplaceAll(regexp.QuoteMeta(p), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

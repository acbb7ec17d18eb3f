package provider

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

func TestCheckCron(t *testing.T) {
	for _, ok := range []string{"0 * * * *", "*/15 * * * *", "0 9-17 * * MON-FRI", "30 0 1 JAN,JUL *", "0 0 * * 7",
		"0 0 0 * * *", "5,10 0 1-31/2 * ?", "@hourly", "@every 1h30m"} {
		if err := checkCron(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "* * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
		"* * * * 8", "*/0 * * * *", "5-1 * * * *", "x * * * *", "@fortnightly", "@every 1 hour"} {
		if err := checkCron(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSameParams(t *testing.T) {
	dec := func(s string) map[string]any {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	same := [][2]string{
		{`{"n":5,"b":"x"}`, `{"b":"x","n":5.0}`},
		{`{"n":[1,2.50]}`, `{"n":[1.0,2.5]}`},
		{`{"n":1e2}`, `{"n":100}`},
		{`{}`, `null`},
		{`{"big":12345678901234567890123}`, `{"big":12345678901234567890123.0}`},
	}
	for _, p := range same {
		if !sameParams(dec(p[0]), dec(p[1])) {
			t.Errorf("%s and %s differ", p[0], p[1])
		}
	}
	differ := [][2]string{
		{`{"n":5}`, `{"n":"5"}`},
		{`{"n":5}`, `{"n":6}`},
		{`{"big":12345678901234567890123}`, `{"big":12345678901234567890124}`},
		{`{"a":null}`, `{}`},
	}
	for _, p := range differ {
		if sameParams(dec(p[0]), dec(p[1])) {
			t.Errorf("%s and %s compare equal", p[0], p[1])
		}
	}
}

// Parameters read back from the server convert to Terraform values and back
// to the same JSON.
func TestParamsFromServerRoundTrip(t *testing.T) {
	in := map[string]any{"s": "x", "n": json.Number("5"), "f": json.Number("2.5"), "b": true,
		"l": []any{json.Number("1"), "y"}, "o": map[string]any{"k": json.Number("7")}}
	v, err := paramsFromServer(in)
	if err != nil {
		t.Fatal(err)
	}
	back, err := paramsToGo(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	if !sameParams(in, back) {
		t.Errorf("round trip %v -> %v", in, back)
	}
	if js, _ := paramsJSON(back); js != `{"b":true,"f":2.5,"l":[1,"y"],"n":5,"o":{"k":7},"s":"x"}` {
		t.Errorf("JSON %s", js)
	}
	if v, err := paramsFromServer(map[string]any{}); err != nil || !v.IsNull() {
		t.Errorf("no parameters: %v %v, want null", v, err)
	}
}

// A duration the server spells otherwise keeps the configured spelling, so
// that the apply is consistent and the next plan empty; a different length
// is the server's, so that drift shows.
func TestKeepDuration(t *testing.T) {
	for _, tc := range []struct {
		prior  types.String
		server string
		want   types.String
	}{
		{types.StringValue("1h"), "60m", types.StringValue("1h")},
		{types.StringValue("1h"), "1h0m0s", types.StringValue("1h")},
		{types.StringNull(), "0s", types.StringNull()},
		{types.StringNull(), "", types.StringNull()},
		{types.StringValue("1h"), "2h", types.StringValue("2h")},
		{types.StringValue("5m"), "", types.StringNull()},
		{types.StringNull(), "5m", types.StringValue("5m")},
		{types.StringUnknown(), "5m", types.StringValue("5m")},
	} {
		if got := keepDuration(tc.prior, tc.server); !got.Equal(tc.want) {
			t.Errorf("keepDuration(%s, %q) = %s, want %s", tc.prior, tc.server, got, tc.want)
		}
	}
}

// An update answered with the same schedule in another spelling is applied,
// not reported as stale; a schedule that did not change is.
func TestStaleTaskFieldsComparesDurations(t *testing.T) {
	plan := &scriptTaskModel{Name: types.StringValue("n"), Description: types.StringValue(""), ScriptID: types.StringValue("s"),
		Status: types.StringValue("active"), Every: types.StringValue("1h"), Cron: types.StringNull(), Offset: types.StringNull()}
	task := &influxdb.Task{Name: "n", ScriptID: "s", Status: "active", Every: "60m", Offset: "0s"}
	if stale := staleTaskFields(task, plan); len(stale) != 0 {
		t.Errorf("same schedule reported stale: %v", stale)
	}
	task.Every, task.Offset = "2h", "5m"
	if stale := staleTaskFields(task, plan); !slices.Equal(stale, []string{"every", "offset"}) {
		t.Errorf("stale = %v, want [every offset]", stale)
	}
}

package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// This file holds what the task resource and the tasks data source share:
// script parameters as JSON and back, and the schedule validators.

// paramsJSON is the canonical JSON of task parameters: keys sorted, numbers
// as written. Nil is {}.
func paramsJSON(params map[string]any) (string, error) {
	if params == nil {
		params = map[string]any{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

// sameParams reports whether two parameter sets are the same JSON values:
// key order and the spelling of numbers (5, 5.0, 5e0) do not matter, and no
// parameters at all equals an empty object.
func sameParams(a, b map[string]any) bool {
	ca, errA := canonicalJSON(a)
	cb, errB := canonicalJSON(b)
	return errA == nil && errB == nil && reflect.DeepEqual(ca, cb)
}

// canonicalJSON decodes v's JSON with every number replaced by the shortest
// exact text of its value, so equal numbers compare equal however written.
func canonicalJSON(v map[string]any) (any, error) {
	if v == nil {
		v = map[string]any{}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return canonicalNumbers(out)
}

// canonicalNumber is a number's canonical text, a type of its own so that it
// never equals a string.
type canonicalNumber string

func canonicalNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		f, _, err := big.ParseFloat(string(x), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, err
		}
		return canonicalNumber(f.Text('g', -1)), nil
	case []any:
		for i := range x {
			c, err := canonicalNumbers(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
	case map[string]any:
		for k := range x {
			c, err := canonicalNumbers(x[k])
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
	}
	return v, nil
}

// paramsFromServer turns parameters the server reported into a Terraform
// value: strings, numbers and bools keep their types, arrays become tuples
// and objects objects. No parameters is null.
func paramsFromServer(params map[string]any) (types.Dynamic, error) {
	if len(params) == 0 {
		return types.DynamicNull(), nil
	}
	v, err := jsonToAttr(params)
	if err != nil {
		return types.DynamicNull(), err
	}
	return types.DynamicValue(v), nil
}

func jsonToAttr(v any) (attr.Value, error) {
	switch x := v.(type) {
	case nil:
		return types.StringNull(), nil
	case string:
		return types.StringValue(x), nil
	case bool:
		return types.BoolValue(x), nil
	case json.Number:
		f, _, err := big.ParseFloat(string(x), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return types.NumberValue(f), nil
	case []any:
		elems := make([]attr.Value, len(x))
		typs := make([]attr.Type, len(x))
		for i, e := range x {
			a, err := jsonToAttr(e)
			if err != nil {
				return nil, err
			}
			elems[i], typs[i] = a, a.Type(context.Background())
		}
		t, diags := types.TupleValue(typs, elems)
		if diags.HasError() {
			return nil, fmt.Errorf("building a tuple: %v", diags)
		}
		return t, nil
	case map[string]any:
		elems := make(map[string]attr.Value, len(x))
		typs := make(map[string]attr.Type, len(x))
		for k, e := range x {
			a, err := jsonToAttr(e)
			if err != nil {
				return nil, err
			}
			elems[k], typs[k] = a, a.Type(context.Background())
		}
		o, diags := types.ObjectValue(typs, elems)
		if diags.HasError() {
			return nil, fmt.Errorf("building an object: %v", diags)
		}
		return o, nil
	}
	return nil, fmt.Errorf("unexpected JSON value of type %T", v)
}

// fluxDurationPattern is a Flux duration literal: integer and unit pairs
// such as 1h30m, 5m, 1d, 1w or 1mo.
var fluxDurationPattern = regexp.MustCompile(`^(?:[0-9]+(?:y|mo|w|d|h|m|s|ms|us|µs|ns))+$`)

// keepDuration is the state value of a duration the server reported: the
// prior spelling when it is the same length (null when the server reports a
// zero offset that prior left out), else the server's.
func keepDuration(prior types.String, server string) types.String {
	if !prior.IsUnknown() && influxdb.SameDuration(prior.ValueString(), server) {
		return prior
	}
	return nullIfEmpty(server)
}

// fluxDurationValidator accepts Flux duration literals.
type fluxDurationValidator struct{}

func (fluxDurationValidator) Description(context.Context) string {
	return "value must be a Flux duration literal such as 1h, 30m, 1h30m, 1d or 1w"
}

func (v fluxDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (fluxDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if !fluxDurationPattern.MatchString(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s = %q is not a Flux duration literal. Write whole numbers with units, largest first, such as 1h, 30m, 1h30m, 1d or 1w (units: y, mo, w, d, h, m, s, ms, us, ns). For no offset, leave offset out.", req.Path, s))
	}
}

// nonZeroDurationValidator refuses a zero every (0s, 0h), which is a
// duration literal but no schedule.
type nonZeroDurationValidator struct{}

func (nonZeroDurationValidator) Description(context.Context) string {
	return "value must be longer than zero"
}

func (v nonZeroDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (nonZeroDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if fluxDurationPattern.MatchString(s) && influxdb.SameDuration(s, "0") {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%s = %q is zero, so the task would never be scheduled. Give an interval such as 1h or 30m.", req.Path, s))
	}
}

// cronValidator accepts the cron expressions InfluxDB tasks take: five
// fields (minute hour day-of-month month day-of-week), or six with seconds
// first, or a macro such as @hourly or "@every 1h".
type cronValidator struct{}

func (cronValidator) Description(context.Context) string {
	return "value must be a cron expression with 5 or 6 fields, such as \"0 * * * *\""
}

func (v cronValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cronValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if err := checkCron(s); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Cron Expression",
			fmt.Sprintf("%s = %q is not a cron expression: %s. Write five fields (minute hour day-of-month month day-of-week), such as \"0 * * * *\" for every hour, or six with seconds first, or a macro such as @hourly or \"@every 1h\".", req.Path, s, err))
	}
}

var (
	cronMacros   = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
	cronMonths   = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	cronWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// checkCron says what is wrong with a cron expression, field by field.
func checkCron(s string) error {
	if strings.HasPrefix(s, "@") {
		if slices.Contains(cronMacros, s) {
			return nil
		}
		if d, ok := strings.CutPrefix(s, "@every "); ok && fluxDurationPattern.MatchString(d) {
			return nil
		}
		return fmt.Errorf("unknown macro; use one of %s or \"@every <duration>\"", strings.Join(cronMacros, ", "))
	}
	fields := strings.Fields(s)
	type spec struct {
		name     string
		min, max int
		names    []string
	}
	specs := []spec{{"minute", 0, 59, nil}, {"hour", 0, 23, nil}, {"day of month", 1, 31, nil}, {"month", 1, 12, cronMonths}, {"day of week", 0, 7, cronWeekdays}}
	switch len(fields) {
	case 5:
	case 6:
		specs = append([]spec{{"second", 0, 59, nil}}, specs...)
	default:
		return fmt.Errorf("it has %d fields, not 5 or 6", len(fields))
	}
	for i, f := range fields {
		sp := specs[i]
		value := func(v string) (int, bool) {
			if n, err := strconv.Atoi(v); err == nil {
				return n, n >= sp.min && n <= sp.max
			}
			if idx := slices.Index(sp.names, strings.ToUpper(v)); idx >= 0 {
				return idx + sp.min, true
			}
			return 0, false
		}
		for _, part := range strings.Split(f, ",") {
			rng, step, hasStep := strings.Cut(part, "/")
			if hasStep {
				if n, err := strconv.Atoi(step); err != nil || n < 1 {
					return fmt.Errorf("the %s field %q has a bad step %q", sp.name, f, step)
				}
			}
			if rng == "*" || (rng == "?" && (sp.name == "day of month" || sp.name == "day of week")) {
				continue
			}
			lo, hi, isRange := strings.Cut(rng, "-")
			a, okA := value(lo)
			if !okA {
				return fmt.Errorf("the %s field %q has %q, which is not a value from %d to %d", sp.name, f, lo, sp.min, sp.max)
			}
			if isRange {
				b, okB := value(hi)
				if !okB || b < a {
					return fmt.Errorf("the %s field %q has a bad range %q", sp.name, f, rng)
				}
			}
		}
	}
	return nil
}

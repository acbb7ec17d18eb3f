package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	eschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/fluxcsv"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/scriptparams"
)

// This file holds what the invocation data source and the invocation
// ephemeral resource share: one schema description, one model, and one run
// function, so the two cannot drift apart.

// defaultMaxResultBytes bounds how much of a result is read when the
// configuration does not say: 10 MiB.
const defaultMaxResultBytes = 10 << 20

// maxMaxResultBytes caps max_result_bytes at 1 GiB.
const maxMaxResultBytes = 1 << 30

// invocationModel is the configuration and result of one invocation.
type invocationModel struct {
	ScriptID       types.String  `tfsdk:"script_id"`
	Params         types.Dynamic `tfsdk:"params"`
	MaxResultBytes types.Int64   `tfsdk:"max_result_bytes"`
	Result         types.String  `tfsdk:"result"`
	ContentType    types.String  `tfsdk:"content_type"`
	Columns        types.List    `tfsdk:"columns"`
	Rows           types.List    `tfsdk:"rows"`
}

var invocationRowType = types.MapType{ElemType: types.StringType}

// invocationAttr describes one attribute independently of the schema kind.
type invocationAttr struct {
	kind               string // "string", "int64", "dynamic", "list(string)", "list(map(string))"
	required, optional bool
	description        string
	stringValidators   []validator.String
	int64Validators    []validator.Int64
	dynamicValidators  []validator.Dynamic
}

// invocationAttrs is the single description of the invocation schema.
func invocationAttrs() map[string]invocationAttr {
	return map[string]invocationAttr{
		"script_id": {
			kind: "string", required: true,
			description:      "ID of the script to invoke.",
			stringValidators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"params": {
			kind: "dynamic", optional: true,
			description: "Parameters for the script, which reads them as `params.<name>`: an object such as `{ bucket = \"telegraf\", limit = 5 }`. " +
				"Values keep their types on the way to InfluxDB: `limit = 5` arrives as the JSON number 5 and `bucket = \"x\"` as a string; lists become arrays, nested objects and maps become objects, `null` stays null. " +
				"A value that is not an object (or map) is refused at plan time. When InfluxDB refuses the invocation because a parameter is missing, the error names it.",
			dynamicValidators: []validator.Dynamic{paramsObjectValidator{}},
		},
		"max_result_bytes": {
			kind: "int64", optional: true,
			description: fmt.Sprintf("Largest result, in bytes, that is read: from 1 to `%d` (1 GiB), default `%d` (10 MiB). Reading stops as soon as the result grows past it, and the read fails: a result is never silently truncated. Raise it, or make the script return less.", maxMaxResultBytes, defaultMaxResultBytes),
			// The result lands in the plan and state: beyond 1 GiB no
			// Terraform run would survive it anyway.
			int64Validators: []validator.Int64{int64validator.Between(1, maxMaxResultBytes)},
		},
		"result": {
			kind:        "string",
			description: "The response body exactly as InfluxDB sent it: CSV from the `/api/v2/scripts` generation, usually JSON from the older `/api/v2/functions` generation.",
		},
		"content_type": {
			kind:        "string",
			description: "The `Content-Type` of the response, e.g. `text/csv; charset=utf-8`.",
		},
		"columns": {
			kind:        "list(string)",
			description: "Column names of a CSV result, each once, in the order first seen across all tables (Flux's leading annotation column is left out). Empty when the result is empty or not CSV.",
		},
		"rows": {
			kind:        "list(map(string))",
			description: "One map per CSV data row, column name → value; every value is a string, as in the CSV. Plain and annotated Flux CSV are understood, with several tables; rows of different tables may have different keys. Empty when the result is empty or not CSV (then read `result`).",
		},
	}
}

// invocationDataSourceAttributes maps invocationAttrs to data source attributes.
func invocationDataSourceAttributes() map[string]dschema.Attribute {
	out := map[string]dschema.Attribute{}
	for name, a := range invocationAttrs() {
		// Optional inputs without a value are filled in by the provider, so
		// they are also computed; outputs are computed only.
		computed := !a.required
		switch a.kind {
		case "string":
			out[name] = dschema.StringAttribute{Required: a.required, Optional: a.optional, Computed: computed, MarkdownDescription: a.description, Validators: a.stringValidators}
		case "int64":
			out[name] = dschema.Int64Attribute{Required: a.required, Optional: a.optional, Computed: computed, MarkdownDescription: a.description, Validators: a.int64Validators}
		case "dynamic":
			// The given params are echoed, never computed.
			out[name] = dschema.DynamicAttribute{Required: a.required, Optional: a.optional, MarkdownDescription: a.description, Validators: a.dynamicValidators}
		case "list(string)":
			out[name] = dschema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: a.description}
		case "list(map(string))":
			out[name] = dschema.ListAttribute{Computed: true, ElementType: invocationRowType, MarkdownDescription: a.description}
		default:
			panic("invocation schema: unknown kind " + a.kind)
		}
	}
	return out
}

// invocationEphemeralAttributes maps invocationAttrs to ephemeral resource attributes.
func invocationEphemeralAttributes() map[string]eschema.Attribute {
	out := map[string]eschema.Attribute{}
	for name, a := range invocationAttrs() {
		computed := !a.required
		switch a.kind {
		case "string":
			out[name] = eschema.StringAttribute{Required: a.required, Optional: a.optional, Computed: computed, MarkdownDescription: a.description, Validators: a.stringValidators}
		case "int64":
			out[name] = eschema.Int64Attribute{Required: a.required, Optional: a.optional, Computed: computed, MarkdownDescription: a.description, Validators: a.int64Validators}
		case "dynamic":
			out[name] = eschema.DynamicAttribute{Required: a.required, Optional: a.optional, MarkdownDescription: a.description, Validators: a.dynamicValidators}
		case "list(string)":
			out[name] = eschema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: a.description}
		case "list(map(string))":
			out[name] = eschema.ListAttribute{Computed: true, ElementType: invocationRowType, MarkdownDescription: a.description}
		default:
			panic("invocation schema: unknown kind " + a.kind)
		}
	}
	return out
}

// runInvocation invokes the script m names and fills m's outputs. Neither
// the parameters nor the result are logged: either may be confidential.
func runInvocation(ctx context.Context, data *providerData, m *invocationModel, diags *diag.Diagnostics) {
	client, cd := data.clientOrError()
	if diags.Append(cd...); cd.HasError() {
		return
	}
	ctx = data.maskToken(ctx)

	if m.MaxResultBytes.IsNull() || m.MaxResultBytes.IsUnknown() {
		m.MaxResultBytes = types.Int64Value(defaultMaxResultBytes)
	}
	maxBytes := m.MaxResultBytes.ValueInt64()

	params, err := paramsToGo(ctx, m.Params)
	if err != nil {
		diags.AddAttributeError(path.Root("params"), "Invalid Script Parameters",
			fmt.Sprintf("The parameters cannot be sent to InfluxDB, so the script was not invoked. Give params as an object of known values, e.g. { bucket = \"telegraf\", limit = 5 }.\n\n%s", err))
		return
	}

	id := m.ScriptID.ValueString()
	tflogDebug(ctx, data, "invoking script", map[string]any{"script_id": id, "param_count": len(params)})
	res, err := client.Invoke(ctx, id, params)
	if err != nil {
		reportInvokeError(ctx, client, data, id, params, err, diags)
		return
	}
	defer func() { _ = res.Body.Close() }()

	raw, columns, rows, warning, err := readInvocationResult(res.Body, res.ContentType, maxBytes)
	var tooLarge *fluxcsv.TooLargeError
	switch {
	case errors.As(err, &tooLarge):
		diags.AddAttributeError(path.Root("max_result_bytes"), "Script Result Too Large",
			fmt.Sprintf("Script %s returned more than max_result_bytes (%d bytes); reading stopped there rather than keep a truncated result. Raise max_result_bytes, or make the script return less (filter, aggregate or limit it).", id, maxBytes))
		return
	case err != nil:
		data.addClientError(diags, "Unable To Read Script Result",
			fmt.Sprintf("Script %s was invoked, but its result could not be read to the end.", id), &influxdb.TransportError{Op: "read result of script " + id, Err: err})
		return
	case warning != "":
		diags.AddWarning("Script Result Not Parsed", warning)
	}
	tflogDebug(ctx, data, "script invoked", map[string]any{"script_id": id, "result_bytes": len(raw), "rows": len(rows)})

	m.Result = types.StringValue(raw)
	m.ContentType = types.StringValue(res.ContentType)
	m.Columns = stringListValue(columns)
	m.Rows = rowsValue(rows)
}

// rowsValue is the rows attribute. It is built directly from attr values:
// a result may have a million rows, and types.ListValueFrom's reflection
// costs many times more (make bench measures both).
func rowsValue(rows []map[string]string) types.List {
	elems := make([]attr.Value, len(rows))
	for i, row := range rows {
		elems[i] = stringMapValue(row)
	}
	return types.ListValueMust(invocationRowType, elems)
}

// readInvocationResult reads at most maxBytes of body. A CSV body is parsed
// into columns and rows; any other body (the functions generation answers
// JSON) is kept raw with no columns or rows. A CSV body that does not parse
// is kept raw too, with a warning.
func readInvocationResult(body io.Reader, contentType string, maxBytes int64) (raw string, columns []string, rows []map[string]string, warning string, err error) {
	columns, rows = []string{}, []map[string]string{}
	if !fluxcsv.LooksLikeCSV(contentType) {
		raw, err = fluxcsv.ReadLimited(body, maxBytes)
		return raw, columns, rows, "", err
	}
	res, err := fluxcsv.Collect(body, maxBytes)
	var pe *fluxcsv.ParseError
	switch {
	case errors.As(err, &pe) && res != nil:
		return res.Raw, columns, rows, fmt.Sprintf("InfluxDB answered with Content-Type %q, but the body is not CSV that can be read, so columns and rows are empty; the body is in result as received.\n\n%s", contentType, err), nil
	case err != nil:
		return "", nil, nil, "", err
	}
	return res.Raw, res.Columns, res.Rows, "", nil
}

// reportInvokeError explains a failed invocation. For a 400 it asks the
// server which parameters the script references, to name the missing ones.
func reportInvokeError(ctx context.Context, client *influxdb.Client, data *providerData, id string, params map[string]any, err error, diags *diag.Diagnostics) {
	var ae *influxdb.APIError
	if !errors.As(err, &ae) {
		data.addClientError(diags, "Unable To Invoke Script", fmt.Sprintf("Script %s could not be invoked; it may or may not have run.", id), err)
		return
	}
	switch ae.StatusCode {
	case http.StatusNotFound:
		// Invoke answers 404 both for an unknown script and for a script
		// that ran into something missing (e.g. `could not find bucket`);
		// one read of the script tells them apart.
		_, getErr := client.Get(ctx, id)
		switch {
		case getErr == nil:
			diags.AddAttributeError(path.Root("params"), "Script Failed",
				fmt.Sprintf("Script %s exists, but InfluxDB answered its invocation with 404: the script itself refers to something that does not exist, such as a bucket. Check the names the script and params use.\n\n%s", id, data.redact(err.Error())))
			return
		case !influxdb.IsNotFound(getErr):
			diags.AddAttributeError(path.Root("script_id"), "Unable To Invoke Script",
				fmt.Sprintf("InfluxDB answered the invocation of script %s with 404, and the provider could not read the script to tell whether it is missing or failed (for example on a bucket that does not exist). Check script_id and the names the script uses, then try again.\n\n%s\n\nReading the script: %s", id, data.redact(err.Error()), data.redact(getErr.Error())))
			return
		}
		diags.AddAttributeError(path.Root("script_id"), "Script Not Found",
			fmt.Sprintf("InfluxDB has no script with id %q that this token can see, so nothing was invoked. Check script_id (the id attribute of influxdb_invocable_script or of the influxdb_invocable_script data source), and that the token belongs to the script's organization.\n\n%s", id, data.redact(err.Error())))
		return
	case http.StatusBadRequest:
		missing, lookupErr := missingParams(ctx, client, id, params)
		if lookupErr == nil && len(missing) > 0 {
			diags.AddAttributeError(path.Root("params"), "Missing Script Parameters",
				fmt.Sprintf("Script %s references %s, which params does not supply, so InfluxDB refused to run it. Add %s to params, e.g. params = { %s = ... }.\n\n%s",
					id, quoteList("parameter", missing), itOrThem(len(missing)), missing[0], data.redact(err.Error())))
			return
		}
		detail := fmt.Sprintf("InfluxDB refused to run script %s with the given params. Check that params supplies every parameter the script reads, with values of the types it expects.", id)
		if lookupErr != nil {
			detail += fmt.Sprintf(" (The provider could not find out which parameters the script reads: %s.)", data.redact(lookupErr.Error()))
		}
		diags.AddAttributeError(path.Root("params"), "Script Parameters Refused", detail+"\n\n"+data.redact(err.Error()))
		return
	}
	data.addClientError(diags, "Unable To Invoke Script", fmt.Sprintf("InfluxDB did not run script %s.", id), err)
}

// missingParams returns the sorted names the script references that params
// lacks: from /params where the generation has it, else from the script text.
func missingParams(ctx context.Context, client *influxdb.Client, id string, params map[string]any) ([]string, error) {
	var names []string
	p, err := client.Params(ctx, id)
	switch {
	case errors.Is(err, influxdb.ErrParamsUnsupported):
		s, err := client.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		names = scriptparams.Names(s.Script)
	case err != nil:
		return nil, err
	default:
		for n := range p {
			names = append(names, n)
		}
	}
	var missing []string
	for _, n := range names {
		if _, ok := params[n]; !ok {
			missing = append(missing, n)
		}
	}
	slices.Sort(missing)
	return missing, nil
}

// quoteList renders ["a","b"] as `the parameters "a" and "b"`.
func quoteList(noun string, items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return "the " + noun + " " + q[0]
	}
	return "the " + noun + "s " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func itOrThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// paramsToGo converts the params attribute to what is sent as JSON. Null
// means no parameters.
func paramsToGo(ctx context.Context, v types.Dynamic) (map[string]any, error) {
	if v.IsNull() || v.IsUnderlyingValueNull() {
		return nil, nil
	}
	if v.IsUnknown() || v.IsUnderlyingValueUnknown() {
		return nil, errors.New("params is not known yet")
	}
	if !isObjectLike(v.UnderlyingValue()) {
		return nil, fmt.Errorf("params must be an object, not %s", describeType(ctx, v.UnderlyingValue()))
	}
	tv, err := v.UnderlyingValue().ToTerraformValue(ctx)
	if err != nil {
		return nil, err
	}
	g, err := tfValueToGo(tv, "params")
	if err != nil {
		return nil, err
	}
	m, _ := g.(map[string]any)
	return m, nil
}

// tfValueToGo converts a Terraform value to its JSON form in Go: numbers
// become json.Number (exact, never rounded through float64), lists, sets
// and tuples []any, maps and objects map[string]any.
func tfValueToGo(v tftypes.Value, at string) (any, error) {
	if !v.IsKnown() {
		return nil, fmt.Errorf("%s is not known yet", at)
	}
	if v.IsNull() {
		return nil, nil
	}
	typ := v.Type()
	switch {
	case typ.Is(tftypes.String):
		var s string
		err := v.As(&s)
		return s, err
	case typ.Is(tftypes.Bool):
		var b bool
		err := v.As(&b)
		return b, err
	case typ.Is(tftypes.Number):
		var f big.Float
		if err := v.As(&f); err != nil {
			return nil, err
		}
		return jsonNumber(&f, at)
	}
	switch typ.(type) {
	case tftypes.List, tftypes.Set, tftypes.Tuple:
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		out := make([]any, len(elems))
		for i, e := range elems {
			g, err := tfValueToGo(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case tftypes.Map, tftypes.Object:
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return nil, err
		}
		out := make(map[string]any, len(elems))
		for k, e := range elems {
			g, err := tfValueToGo(e, fmt.Sprintf("%s[%q]", at, k))
			if err != nil {
				return nil, err
			}
			out[k] = g
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s has the type %s, which cannot be sent as JSON", at, typ)
}

// jsonNumber writes a Terraform number as JSON: integers in full, other
// numbers in the shortest form that keeps their value.
func jsonNumber(f *big.Float, at string) (json.Number, error) {
	if f.IsInf() {
		return "", fmt.Errorf("%s is infinite, which JSON cannot carry", at)
	}
	if f.IsInt() {
		i, _ := f.Int(nil)
		return json.Number(i.String()), nil
	}
	return json.Number(f.Text('g', -1)), nil
}

func isObjectLike(v any) bool {
	switch v.(type) {
	case basetypes.ObjectValue, basetypes.MapValue:
		return true
	}
	return false
}

// describeType names a value's type as configurations write it.
func describeType(ctx context.Context, v attr.Value) string {
	switch v.(type) {
	case basetypes.StringValue:
		return "a string"
	case basetypes.NumberValue, basetypes.Int64Value, basetypes.Float64Value:
		return "a number"
	case basetypes.BoolValue:
		return "a bool"
	case basetypes.ListValue, basetypes.TupleValue:
		return "a list"
	case basetypes.SetValue:
		return "a set"
	}
	return "a value of type " + v.Type(ctx).String()
}

// paramsObjectValidator refuses params that are not an object or a map, at
// plan time, where the error can point at the attribute.
type paramsObjectValidator struct{}

func (paramsObjectValidator) Description(context.Context) string {
	return "value must be an object (or map) of parameters"
}

func (v paramsObjectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (paramsObjectValidator) ValidateDynamic(ctx context.Context, req validator.DynamicRequest, resp *validator.DynamicResponse) {
	v := req.ConfigValue
	if v.IsNull() || v.IsUnknown() || v.IsUnderlyingValueNull() || v.IsUnderlyingValueUnknown() {
		return
	}
	if !isObjectLike(v.UnderlyingValue()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Script Parameters",
			fmt.Sprintf("%s must be an object whose keys are the parameter names, e.g. { bucket = \"telegraf\", limit = 5 }, but it is %s.", req.Path, describeType(ctx, v.UnderlyingValue())))
	}
}

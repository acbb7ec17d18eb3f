package provider

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// scriptModelTags is the tfsdk tag of every scriptModel field, by field index.
func scriptModelTags(t *testing.T) []string {
	t.Helper()
	typ := reflect.TypeOf(scriptModel{})
	tags := make([]string, typ.NumField())
	for i := range typ.NumField() {
		tags[i] = typ.Field(i).Tag.Get("tfsdk")
		if tags[i] == "" {
			t.Fatalf("scriptModel.%s has no tfsdk tag", typ.Field(i).Name)
		}
	}
	return tags
}

// objectAttrTypes is the attribute types of an object type, or a test failure.
func objectAttrTypes(t *testing.T, what string, typ attr.Type) map[string]attr.Type {
	t.Helper()
	obj, ok := typ.(attr.TypeWithAttributeTypes)
	if !ok {
		t.Fatalf("%s: type %T is not an object type", what, typ)
	}
	return obj.AttributeTypes()
}

// The script attribute names are written in the struct tags, in
// scriptAttrValues and in the schemas; the fast paths that build objects
// without reflection fail at run time on a mismatch, so this test holds
// them together.
func TestScriptAttributeNames(t *testing.T) {
	ctx := context.Background()
	tags := scriptModelTags(t)
	sorted := slices.Sorted(slices.Values(tags))

	if got := slices.Sorted(maps.Keys(scriptAttributeDescriptions)); !slices.Equal(got, sorted) {
		t.Errorf("scriptAttributeDescriptions names %v, scriptModel tags %v", got, sorted)
	}

	// Each field, given its own tag as value, must come back under that tag.
	var m scriptModel
	v := reflect.ValueOf(&m).Elem()
	for i, tag := range tags {
		v.Field(i).Set(reflect.ValueOf(types.StringValue(tag)))
	}
	values := scriptAttrValues(&m)
	if got := slices.Sorted(maps.Keys(values)); !slices.Equal(got, sorted) {
		t.Errorf("scriptAttrValues names %v, scriptModel tags %v", got, sorted)
	}
	for _, tag := range tags {
		if want := types.StringValue(tag); !values[tag].Equal(want) {
			t.Errorf("scriptAttrValues[%q] = %v, want the field tagged %q", tag, values[tag], tag)
		}
	}

	// The resource: its script attributes are scriptModel's, plus its own.
	var rs resource.SchemaResponse
	NewInvocableScriptResource().Schema(ctx, resource.SchemaRequest{}, &rs)
	resourceTypes := objectAttrTypes(t, "resource schema", rs.Schema.Type())
	want := maps.Clone(scriptModelAttrTypes)
	want["params"] = resourceTypes["params"]
	want["timeouts"] = resourceTypes["timeouts"]
	if want["params"] == nil || want["timeouts"] == nil {
		t.Errorf("resource schema lacks params or timeouts: %v", resourceTypes)
	}
	if !maps.EqualFunc(resourceTypes, want, attr.Type.Equal) {
		t.Errorf("resource schema attributes %v, want %v", resourceTypes, want)
	}
	// And setInto, which writes through scriptAttrValues, accepts a real script.
	model := invocableScriptResourceModel{
		scriptModel: scriptModelFrom(&influxdb.Script{ID: "0a1b2c3d4e5f6071", Name: "n", Script: "s", Language: "flux"}),
		Params:      types.MapNull(types.StringType),
	}
	model.Timeouts.Object = types.ObjectNull(objectAttrTypes(t, "timeouts", resourceTypes["timeouts"]))
	state := tfsdk.State{Schema: rs.Schema, Raw: tftypes.NewValue(rs.Schema.Type().TerraformType(ctx), nil)}
	if diags := model.setInto(ctx, &state); diags.HasError() {
		t.Errorf("setInto: %v", diags)
	}

	// The single-script data source: scriptModel's attributes plus params.
	var ds datasource.SchemaResponse
	NewScriptDataSource().Schema(ctx, datasource.SchemaRequest{}, &ds)
	dsTypes := objectAttrTypes(t, "script data source schema", ds.Schema.Type())
	want = maps.Clone(scriptModelAttrTypes)
	want["params"] = types.MapType{ElemType: types.StringType}
	if !maps.EqualFunc(dsTypes, want, attr.Type.Equal) {
		t.Errorf("script data source attributes %v, want %v", dsTypes, want)
	}

	// The list data source: its nested object is scriptModelAttrTypes.
	var ls datasource.SchemaResponse
	NewScriptsDataSource().Schema(ctx, datasource.SchemaRequest{}, &ls)
	listTypes := objectAttrTypes(t, "scripts data source schema", ls.Schema.Type())
	list, ok := listTypes["scripts"].(types.ListType)
	if !ok {
		t.Fatalf("scripts attribute is a %T, not a list", listTypes["scripts"])
	}
	if elem := objectAttrTypes(t, "scripts element", list.ElemType); !maps.EqualFunc(elem, scriptModelAttrTypes, attr.Type.Equal) {
		t.Errorf("scripts element attributes %v, want scriptModelAttrTypes %v", elem, scriptModelAttrTypes)
	}
	if got := scriptListValue([]influxdb.Script{{ID: "0a1b2c3d4e5f6071"}}); !got.Type(ctx).Equal(list) {
		t.Errorf("scriptListValue type %v, want the schema's %v", got.Type(ctx), list)
	}
}

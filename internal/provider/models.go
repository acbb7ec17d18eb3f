package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// scriptModel holds the attributes every Terraform type that shows a script
// has in common. Resource and data source models embed it.
type scriptModel struct {
	ID          types.String `tfsdk:"id"`
	OrgID       types.String `tfsdk:"org_id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
	Script      types.String `tfsdk:"script"`
	Language    types.String `tfsdk:"language"`
	URL         types.String `tfsdk:"url"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

// scriptModelFrom converts the API's script to its Terraform values. An
// absent url is null (the live API may never send one), not "".
func scriptModelFrom(s *influxdb.Script) scriptModel {
	url := types.StringNull()
	if s.URL != "" {
		url = types.StringValue(s.URL)
	}
	return scriptModel{
		ID:          types.StringValue(s.ID),
		OrgID:       types.StringValue(s.OrgID),
		Name:        types.StringValue(s.Name),
		Description: types.StringValue(s.Description),
		Script:      types.StringValue(s.Script),
		Language:    types.StringValue(s.Language),
		URL:         url,
		CreatedAt:   types.StringValue(s.CreatedAt),
		UpdatedAt:   types.StringValue(s.UpdatedAt),
	}
}

// scriptAttributeDescriptions documents the attributes every script has, for
// the data sources that show scripts.
var scriptAttributeDescriptions = map[string]string{
	"id":          "Script ID (16 hexadecimal characters).",
	"org_id":      "ID of the organization the script belongs to.",
	"name":        "Script name, unique within the organization.",
	"description": "What the script does; may be empty.",
	"script":      "Script text.",
	"language":    "Script language: `flux`, `sql` or `influxql` (`python` on the older `/api/v2/functions` generation).",
	"url":         "Invocation address, when the server reports one (InfluxDB Cloud may not); otherwise null.",
	"created_at":  "Creation time, RFC 3339, as the server reports it.",
	"updated_at":  "Time of the last change, RFC 3339, as the server reports it.",
}

// scriptModelAttrTypes is the object type of scriptModel, for lists of
// scripts: every attribute of scriptAttributeDescriptions, all strings.
var scriptModelAttrTypes = func() map[string]attr.Type {
	out := make(map[string]attr.Type, len(scriptAttributeDescriptions))
	for name := range scriptAttributeDescriptions {
		out[name] = types.StringType
	}
	return out
}()

// paramsValue converts /params output to a Terraform map; nil (the API
// generation cannot tell) becomes null.
func paramsValue(params map[string]string) types.Map {
	if params == nil {
		return types.MapNull(types.StringType)
	}
	return stringMapValue(params)
}

// scriptAttrValues is m as attribute values by name, for building objects
// without the framework's reflection. Its names must be scriptModel's tfsdk
// tags; models_test.go checks both against the schemas.
func scriptAttrValues(m *scriptModel) map[string]attr.Value {
	return map[string]attr.Value{
		"id":          m.ID,
		"org_id":      m.OrgID,
		"name":        m.Name,
		"description": m.Description,
		"script":      m.Script,
		"language":    m.Language,
		"url":         m.URL,
		"created_at":  m.CreatedAt,
		"updated_at":  m.UpdatedAt,
	}
}

// scriptObjectValue is scriptModelFrom as an object of scriptModelAttrTypes,
// built directly: list data sources return thousands of these, and the
// framework's reflection (types.ListValueFrom) costs far more than the rest.
func scriptObjectValue(s *influxdb.Script) types.Object {
	m := scriptModelFrom(s)
	return types.ObjectValueMust(scriptModelAttrTypes, scriptAttrValues(&m))
}

// scriptListValue is a list of scriptObjectValue, in the order given.
func scriptListValue(scripts []influxdb.Script) types.List {
	elems := make([]attr.Value, len(scripts))
	for i := range scripts {
		elems[i] = scriptObjectValue(&scripts[i])
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: scriptModelAttrTypes}, elems)
}

// stringListValue is a list of strings; nil gives an empty list, not null.
func stringListValue(values []string) types.List {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

// stringMapValue is a map of strings; nil gives an empty map, not null.
func stringMapValue(values map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(values))
	for k, v := range values {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

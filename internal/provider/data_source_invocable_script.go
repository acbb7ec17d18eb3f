package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

var (
	_ datasource.DataSourceWithConfigure        = (*scriptDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*scriptDataSource)(nil)
)

// NewScriptDataSource is the influxdb_invocable_script data source.
func NewScriptDataSource() datasource.DataSource { return &scriptDataSource{} }

type scriptDataSource struct {
	data *providerData
}

type scriptDataSourceModel struct {
	scriptModel
	Params types.Map `tfsdk:"params"`
}

func (d *scriptDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_script"
}

func (d *scriptDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := computedScriptAttributes()
	attrs["id"] = schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "ID of the script to find. Exactly one of `id` and `name` must be set.",
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["name"] = schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "Exact name of the script to find (names are unique within an organization). Exactly one of `id` and `name` must be set.",
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	attrs["org_id"] = schema.StringAttribute{
		Optional:            true,
		Computed:            true,
		MarkdownDescription: "Organization the script must belong to. Defaults to the provider's `org_id` (or `org`); without either, the organization of the token. A script of another organization is an error. Set to the script's organization after the read.",
		Validators:          []validator.String{orgIDValidator()},
	}
	attrs["params"] = schema.MapAttribute{
		Computed:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "Parameters the script references, name → type (`any`, `bool`, `duration`, `float`, `int`, `string`, `time`, `uint`), as InfluxDB analyses them. Null on the older `/api/v2/functions` generation, which cannot tell.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds one InfluxDB Cloud API-invocable script by `id` or by exact `name`, and exposes every attribute the `influxdb_invocable_script` resource has.\n\n" +
			"Finding by name costs one list request with the API's name filter on `/api/v2/scripts` (the older `/api/v2/functions` has no such filter, so the list is paged through there), and finding by id one read; each adds one `/params` read where the API has it. A missing script is an error, and so is a name that more than one script has.",
		Attributes: attrs,
	}
}

func (d *scriptDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *scriptDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *scriptDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m scriptDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, client, orgID, ok := d.data.beginRead(ctx, m.OrgID, &resp.Diagnostics)
	if !ok {
		return
	}
	var s *influxdb.Script
	if !m.ID.IsNull() {
		s = d.findByID(ctx, client, m.ID.ValueString(), orgID, &resp.Diagnostics)
	} else {
		s = d.findByName(ctx, client, m.Name.ValueString(), orgID, &resp.Diagnostics)
	}
	if s == nil {
		return
	}
	if others := otherOrgs([]influxdb.Script{*s}, orgID); len(others) > 0 {
		addOtherOrgsError(&resp.Diagnostics, "the script", orgID, others)
		return
	}

	out := scriptDataSourceModel{scriptModel: scriptModelFrom(s), Params: types.MapNull(types.StringType)}
	params, err := client.Params(ctx, s.ID)
	switch {
	case errors.Is(err, influxdb.ErrParamsUnsupported):
		// The functions generation cannot tell: params stays null.
	case err != nil:
		d.data.addClientError(&resp.Diagnostics, "Unable To Read Script Parameters", fmt.Sprintf("The script %s was found, but its parameters could not be read.", s.ID), err)
		return
	default:
		out.Params = paramsValue(params)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

func (d *scriptDataSource) findByID(ctx context.Context, client *influxdb.Client, id, orgID string, diags *diag.Diagnostics) *influxdb.Script {
	s, err := client.Read(ctx, id, orgID)
	if influxdb.IsNotFound(err) {
		diags.AddAttributeError(path.Root("id"), "Script Not Found",
			fmt.Sprintf("InfluxDB has no script with id %q that this token can see. Check the id, and that the token belongs to the script's organization.\n\n%s", id, d.data.redact(err.Error())))
		return nil
	}
	if err != nil {
		d.data.addClientError(diags, "Unable To Read Script", fmt.Sprintf("The provider could not read script %s.", id), err)
		return nil
	}
	return s
}

func (d *scriptDataSource) findByName(ctx context.Context, client *influxdb.Client, name, orgID string, diags *diag.Diagnostics) *influxdb.Script {
	found, err := client.FindByName(ctx, influxdb.ListOptions{OrgID: orgID, Name: name, FromSnapshot: true})
	if err != nil {
		d.data.addClientError(diags, "Unable To Find Script", fmt.Sprintf("The provider could not look up the script named %q in %s.", name, orgPhrase(orgID)), err)
		return nil
	}
	if others := otherOrgs(found, orgID); len(others) > 0 {
		addOtherOrgsError(diags, "the script", orgID, others)
		return nil
	}
	s, ferr := oneScript(found, name, orgID)
	if ferr != nil {
		diags.AddAttributeError(path.Root("name"), ferr.summary, ferr.detail)
		return nil
	}
	return s
}

// findError is a lookup by name that did not give exactly one script.
type findError struct{ summary, detail string }

// oneScript picks the single script of a name lookup, or says why there is none.
func oneScript(found []influxdb.Script, name, orgID string) (*influxdb.Script, *findError) {
	switch len(found) {
	case 1:
		return &found[0], nil
	case 0:
		return nil, &findError{"Script Not Found",
			fmt.Sprintf("There is no script named %q in %s. Names are matched exactly, including case and white space. Check the name, and that the token belongs to that organization.", name, orgPhrase(orgID))}
	}
	ids := make([]string, len(found))
	for i, s := range found {
		ids[i] = fmt.Sprintf("%s (organization %s)", s.ID, s.OrgID)
	}
	return nil, &findError{"Script Name Is Ambiguous",
		fmt.Sprintf("%d scripts named %q were found in %s: %s. Find the one you mean by id instead.", len(found), name, orgPhrase(orgID), strings.Join(ids, ", "))}
}

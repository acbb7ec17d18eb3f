package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

var _ datasource.DataSourceWithConfigure = (*scriptsDataSource)(nil)

// NewScriptsDataSource is the influxdb_invocable_scripts data source.
func NewScriptsDataSource() datasource.DataSource { return &scriptsDataSource{} }

type scriptsDataSource struct {
	data *providerData
}

type scriptsDataSourceModel struct {
	OrgID   types.String `tfsdk:"org_id"`
	Name    types.String `tfsdk:"name"`
	Limit   types.Int64  `tfsdk:"limit"`
	Offset  types.Int64  `tfsdk:"offset"`
	Scripts types.List   `tfsdk:"scripts"`
}

func (d *scriptsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_scripts"
}

// computedScriptAttributes returns the script attributes, all computed.
func computedScriptAttributes() map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for name, desc := range scriptAttributeDescriptions {
		out[name] = schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	return out
}

func (d *scriptsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the InfluxDB Cloud API-invocable scripts of an organization, in the server's order (newest first on InfluxDB Cloud).\n\n" +
			"Without `limit` every script is returned: the list is read in pages of 500 until a short page, so 1,234 scripts cost three requests. Nothing is dropped silently.\n\n" +
			"The current `/api/v2/scripts` API lists the scripts of the token's organization, whatever `org_id` says. When an organization is known (`org_id` here, else the provider's `org_id` or `org`) and the server returns a script of another organization, the read **fails** with an error naming both organizations, rather than return or hide scripts of an organization the configuration did not ask for: use a token of the organization you name.",
		Attributes: map[string]schema.Attribute{
			"org_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Organization whose scripts to list. Defaults to the provider's `org_id` (or `org`); without either, the organization of the token, and then it is set from the scripts found (null when there are none).",
				Validators:          []validator.String{orgIDValidator()},
			},
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only the script with exactly this name (names are unique within an organization, and are compared exactly, including case).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"limit": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "At most this many scripts. Without it, all of them.",
				Validators:          []validator.Int64{int64validator.AtLeast(1)},
			},
			"offset": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Skip this many scripts of the list first. Defaults to `0`. (On the older `/api/v2/functions` generation, which cannot filter by name, the offset counts scripts before `name` is applied.)",
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"scripts": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The scripts, in the server's order.",
				NestedObject:        schema.NestedAttributeObject{Attributes: computedScriptAttributes()},
			},
		},
	}
}

func (d *scriptsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *scriptsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m scriptsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, client, orgID, ok := d.data.beginRead(ctx, m.OrgID, &resp.Diagnostics)
	if !ok {
		return
	}
	// A listing the resources' refresh made moments ago answers without a request.
	opts := influxdb.ListOptions{OrgID: orgID, Name: m.Name.ValueString(), Offset: int(m.Offset.ValueInt64()), FromSnapshot: true}
	limit := int(m.Limit.ValueInt64())
	name := m.Name.ValueString()
	serverLimit := limit
	if name != "" {
		// The server's name filter may match more loosely than the API
		// contract says, so the name is matched exactly here, and limit
		// applies after that match, not to the server's looser answer.
		serverLimit = 0
	}
	scripts, err := client.ListAll(ctx, opts, serverLimit)
	if err != nil {
		d.data.addClientError(&resp.Diagnostics, "Unable To List Scripts", fmt.Sprintf("The provider could not list the scripts of %s.", orgPhrase(orgID)), err)
		return
	}
	if name != "" {
		scripts = slices.DeleteFunc(scripts, func(s influxdb.Script) bool { return s.Name != name })
		if limit > 0 && len(scripts) > limit {
			scripts = scripts[:limit]
		}
	}
	if others := otherOrgs(scripts, orgID); len(others) > 0 {
		addOtherOrgsError(&resp.Diagnostics, "the scripts", orgID, others)
		return
	}

	if orgID == "" && len(scripts) > 0 {
		orgID = scripts[0].OrgID
	}
	m.OrgID = types.StringNull()
	if orgID != "" {
		m.OrgID = types.StringValue(orgID)
	}
	m.Scripts = scriptListValue(scripts)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// orgPhrase names an organization in a message.
func orgPhrase(orgID string) string {
	if orgID == "" {
		return "the token's organization"
	}
	return "organization " + orgID
}

// otherOrgs lists the organizations other than orgID (when orgID is known)
// that scripts belong to. A token lists its own organization, so any means
// that org_id and the token disagree.
func otherOrgs(scripts []influxdb.Script, orgID string) []string {
	var others []string
	if orgID == "" {
		return nil
	}
	for _, s := range scripts {
		if s.OrgID != "" && s.OrgID != orgID && !slices.Contains(others, s.OrgID) {
			others = append(others, s.OrgID)
		}
	}
	return others
}

// addOtherOrgsError reports scripts of organizations the configuration did not ask for.
func addOtherOrgsError(diags *diag.Diagnostics, what, orgID string, others []string) {
	diags.AddAttributeError(path.Root("org_id"), "Script Of Another Organization",
		fmt.Sprintf("The configuration asks for %s of organization %s, but InfluxDB returned %s of organization %s. InfluxDB answers with the scripts of the token's organization: use a token of organization %s, or set org_id (here or in the provider) to the token's organization.",
			what, orgID, what, strings.Join(others, ", "), orgID))
}

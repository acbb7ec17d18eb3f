package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*invocationDataSource)(nil)

// NewInvocationDataSource is the influxdb_invocable_script_invocation data source.
func NewInvocationDataSource() datasource.DataSource { return &invocationDataSource{} }

type invocationDataSource struct {
	data *providerData
}

func (d *invocationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_script_invocation"
}

func (d *invocationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Invokes an InfluxDB Cloud API-invocable script with parameters and exposes its result, parsed into `columns` and `rows` when it is CSV.\n\n" +
			"**A data source runs on every plan and refresh**, so the script runs again each time Terraform plans, refreshes or applies. Use it only for read-only (query) scripts, never for scripts that write data or have other side effects.\n\n" +
			"The result is stored in the state and the plan. For results that must not be written there, use the `influxdb_invocable_script_invocation` ephemeral resource, which has the same arguments (Terraform 1.10 / OpenTofu 1.11 or later).",
		Attributes: map[string]schema.Attribute{
			"script_id": schema.StringAttribute{Required: true, MarkdownDescription: invocationDoc.ScriptID, Validators: scriptIDValidators()},
			// The given params are echoed, never computed.
			"params":           schema.DynamicAttribute{Optional: true, MarkdownDescription: invocationDoc.Params, Validators: paramsValidators()},
			"max_result_bytes": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: invocationDoc.MaxResultBytes, Validators: maxResultBytesValidators()},
			"result":           schema.StringAttribute{Computed: true, MarkdownDescription: invocationDoc.Result},
			"content_type":     schema.StringAttribute{Computed: true, MarkdownDescription: invocationDoc.ContentType},
			"columns":          schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: invocationDoc.Columns},
			"rows":             schema.ListAttribute{Computed: true, ElementType: invocationRowType, MarkdownDescription: invocationDoc.Rows},
		},
	}
}

func (d *invocationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *invocationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m invocationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	runInvocation(ctx, d.data, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

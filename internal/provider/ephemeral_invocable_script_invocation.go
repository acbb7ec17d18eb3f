package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*invocationEphemeral)(nil)

// NewInvocationEphemeralResource is the influxdb_invocable_script_invocation
// ephemeral resource.
func NewInvocationEphemeralResource() ephemeral.EphemeralResource { return &invocationEphemeral{} }

type invocationEphemeral struct {
	data *providerData
}

func (e *invocationEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_script_invocation"
}

func (e *invocationEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Invokes an InfluxDB Cloud API-invocable script with parameters and exposes its result without writing it to the state or plan files, for results that are confidential. Needs Terraform 1.10 or OpenTofu 1.11 or later.\n\n" +
			"Its values can be used only where ephemeral values are allowed: provider configuration, write-only arguments, ephemeral outputs and locals, and other ephemeral resources.\n\n" +
			"**The script runs every time Terraform opens the ephemeral resource**, which is in every plan and again in every apply that needs it. Use it only for read-only (query) scripts, never for scripts that write data or have other side effects. The arguments and results are the same as those of the `influxdb_invocable_script_invocation` data source.",
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

func (e *invocationEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *invocationEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m invocationModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	runInvocation(ctx, e.data, &m, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

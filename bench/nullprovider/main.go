// Command nullprovider is the yardstick of the CLI benchmarks: a
// terraform-plugin-framework provider whose one resource,
// benchnull_invocable_script, has exactly the schema (and identity schema)
// of influxdb_invocable_script but does no work: no HTTP, no plan
// modification, state = plan with the computed values filled in. Against
// it, a ratio shows what the provider's own code and requests cost; every
// plugin provider with this schema pays what it pays.
package main

import (
	"context"
	"fmt"
	"log"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	influx "github.com/tf-influxdb/terraform-provider-influxdb/internal/provider"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/sdklogs"
)

type nullProvider struct{}

func (nullProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "benchnull"
}

func (nullProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{}
}

func (nullProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (nullProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

func (nullProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return nullScript{influx.NewInvocableScriptResource()} }}
}

var _ resource.ResourceWithIdentity = nullScript{}

// nullScript borrows the real resource's type name suffix, schema and
// identity schema, and nothing else.
type nullScript struct{ real resource.Resource }

func (r nullScript) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.real.Metadata(ctx, req, resp)
}

func (r nullScript) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.real.Schema(ctx, req, resp)
}

func (r nullScript) IdentitySchema(ctx context.Context, req resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	if ri, ok := r.real.(resource.ResourceWithIdentity); ok {
		ri.IdentitySchema(ctx, req, resp)
	}
}

var nextID atomic.Uint64

// fill sets the state to the plan with every unknown value known: id to
// idValue, url to null, org_id and timestamps to fixed strings, maps empty.
func fill(plan tfsdk.Plan, state *tfsdk.State, idValue string) error {
	raw, err := tftypes.Transform(plan.Raw, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() || len(p.Steps()) != 1 {
			return v, nil
		}
		switch name, _ := p.Steps()[0].(tftypes.AttributeName); {
		case name == "id":
			return tftypes.NewValue(tftypes.String, idValue), nil
		case name == "org_id":
			return tftypes.NewValue(tftypes.String, "0000000000000001"), nil
		case name == "url":
			return tftypes.NewValue(tftypes.String, nil), nil
		case v.Type().Is(tftypes.String):
			return tftypes.NewValue(tftypes.String, "2024-01-01T00:00:00.000000Z"), nil
		case v.Type().Is(tftypes.Map{ElementType: tftypes.String}):
			return tftypes.NewValue(v.Type(), map[string]tftypes.Value{}), nil
		}
		return v, fmt.Errorf("benchnull: no value for the unknown %s", p)
	})
	state.Raw = raw
	return err
}

// setIdentity copies the state's id to the identity.
func setIdentity(ctx context.Context, state tfsdk.State, identity *tfsdk.ResourceIdentity) error {
	var id types.String
	d := state.GetAttribute(ctx, path.Root("id"), &id)
	if identity != nil && !d.HasError() {
		d.Append(identity.SetAttribute(ctx, path.Root("id"), id)...)
	}
	if d.HasError() {
		return fmt.Errorf("benchnull: identity: %v", d)
	}
	return nil
}

func (r nullScript) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	err := fill(req.Plan, &resp.State, fmt.Sprintf("%016x", nextID.Add(1)))
	if err == nil {
		err = setIdentity(ctx, resp.State, resp.Identity)
	}
	if err != nil {
		resp.Diagnostics.AddError("benchnull", err.Error())
	}
}

func (r nullScript) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if err := setIdentity(ctx, req.State, resp.Identity); err != nil {
		resp.Diagnostics.AddError("benchnull", err.Error())
	}
}

func (r nullScript) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	err := fill(req.Plan, &resp.State, "")
	if err == nil {
		err = setIdentity(ctx, resp.State, resp.Identity)
	}
	if err != nil {
		resp.Diagnostics.AddError("benchnull", err.Error())
	}
}

func (r nullScript) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func main() {
	sdklogs.Quiet() // as the provider does, so that the two differ only in their resources
	err := providerserver.Serve(context.Background(), func() provider.Provider { return nullProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/tf-influxdb/benchnull"})
	if err != nil {
		log.Fatal(err)
	}
}

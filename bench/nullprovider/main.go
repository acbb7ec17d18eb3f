// Command nullprovider is a diagnostic yardstick of the overhead benchmark:
// a terraform-plugin-framework provider whose one resource,
// benchnull_invocable_script, has exactly the schema (and identity schema)
// of influxdb_invocable_script but does no work: no HTTP, no plan
// modification, state = plan with the computed values filled in. Between
// terraform_data (no plugin at all) and the real resource, it shows how
// much of the per-resource cost is the plugin protocol and the framework,
// and how much is the provider's own code.
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

	influx "github.com/tf-influxdb/terraform-provider-influxdb/internal/provider"
	"github.com/tf-influxdb/terraform-provider-influxdb/internal/sdklogs"
)

// Address is where the benchmark's CLI configuration finds this provider;
// the binary is terraform-provider-benchnull.
const Address = "registry.terraform.io/tf-influxdb/benchnull"

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
	return []func() resource.Resource{func() resource.Resource {
		return &nullScript{real: influx.NewInvocableScriptResource()}
	}}
}

var (
	_ resource.Resource             = (*nullScript)(nil)
	_ resource.ResourceWithIdentity = (*nullScript)(nil)
)

// nullScript borrows the real resource's type name suffix, schema and
// identity schema, and nothing else.
type nullScript struct {
	real resource.Resource
}

var nextID atomic.Uint64

func (r *nullScript) Metadata(ctx context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	r.real.Metadata(ctx, req, resp)
}

func (r *nullScript) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.real.Schema(ctx, req, resp)
}

func (r *nullScript) IdentitySchema(ctx context.Context, req resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	if ri, ok := r.real.(resource.ResourceWithIdentity); ok {
		ri.IdentitySchema(ctx, req, resp)
	}
}

const stamp = "2024-01-01T00:00:00.000000Z"

// fill copies the plan to the state and gives every unknown computed
// attribute a value.
func fill(ctx context.Context, plan tfsdk.Plan, state *tfsdk.State, identity *tfsdk.ResourceIdentity, id string) error {
	state.Raw = plan.Raw
	values := map[string]any{
		"org_id":     types.StringValue("0000000000000001"),
		"url":        types.StringNull(),
		"created_at": types.StringValue(stamp),
		"updated_at": types.StringValue(stamp),
		"params":     types.MapValueMust(types.StringType, nil),
	}
	if id != "" {
		values["id"] = types.StringValue(id)
	}
	for name, v := range values {
		unknown, err := isUnknown(ctx, plan, name)
		if err != nil {
			return err
		}
		if unknown {
			if d := state.SetAttribute(ctx, path.Root(name), v); d.HasError() {
				return fmt.Errorf("%s: %v", name, d)
			}
		}
	}
	if identity != nil {
		var idv types.String
		if d := state.GetAttribute(ctx, path.Root("id"), &idv); d.HasError() {
			return fmt.Errorf("id: %v", d)
		}
		if d := identity.SetAttribute(ctx, path.Root("id"), idv); d.HasError() {
			return fmt.Errorf("identity: %v", d)
		}
	}
	return nil
}

func isUnknown(ctx context.Context, plan tfsdk.Plan, name string) (bool, error) {
	if name == "params" {
		var m types.Map
		d := plan.GetAttribute(ctx, path.Root(name), &m)
		if d.HasError() {
			return false, fmt.Errorf("%s: %v", name, d)
		}
		return m.IsUnknown(), nil
	}
	var s types.String
	d := plan.GetAttribute(ctx, path.Root(name), &s)
	if d.HasError() {
		return false, fmt.Errorf("%s: %v", name, d)
	}
	return s.IsUnknown(), nil
}

func (r *nullScript) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	id := fmt.Sprintf("%016x", nextID.Add(1))
	if err := fill(ctx, req.Plan, &resp.State, resp.Identity, id); err != nil {
		resp.Diagnostics.AddError("benchnull", err.Error())
	}
}

func (r *nullScript) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if resp.Identity == nil {
		return
	}
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(resp.Identity.SetAttribute(ctx, path.Root("id"), id)...)
}

func (r *nullScript) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if err := fill(ctx, req.Plan, &resp.State, resp.Identity, ""); err != nil {
		resp.Diagnostics.AddError("benchnull", err.Error())
	}
}

func (r *nullScript) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func main() {
	sdklogs.Quiet() // as the provider does, so that the two differ only in their resources
	err := providerserver.Serve(context.Background(), func() provider.Provider { return nullProvider{} }, providerserver.ServeOpts{Address: Address})
	if err != nil {
		log.Fatal(err)
	}
}

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestScriptParamsFunction_run(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, script string
		want         []string
	}{
		{"none", "from(bucket: \"b\") |> range(start: -1h)", []string{}},
		{"empty", "", []string{}},
		{"dot and bracket, sorted, once", `from(bucket: params.bucket) |> range(start: params["start"]) |> limit(n: params.n) |> filter(fn: (r) => r.host == params.bucket)`, []string{"bucket", "n", "start"}},
		{"comments, strings and members are skipped", "// params.commented\nx = \"params.quoted\"\ny = r.params.member\nz = myparams.other\nw = \"${params.interpolated}\"", []string{"interpolated"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(tc.script)})}
			resp := &function.RunResponse{Result: function.NewResultData(types.ListUnknown(types.StringType))}
			scriptParamsFunction{}.Run(ctx, req, resp)
			if resp.Error != nil {
				t.Fatalf("error: %v", resp.Error)
			}
			elems := make([]attr.Value, len(tc.want))
			for i, n := range tc.want {
				elems[i] = types.StringValue(n)
			}
			want := types.ListValueMust(types.StringType, elems)
			if got := resp.Result.Value(); !got.Equal(want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestScriptParamsFunction_definition(t *testing.T) {
	ctx := context.Background()
	var meta function.MetadataResponse
	scriptParamsFunction{}.Metadata(ctx, function.MetadataRequest{}, &meta)
	if meta.Name != "script_params" {
		t.Errorf("name %q", meta.Name)
	}
	var def function.DefinitionResponse
	scriptParamsFunction{}.Definition(ctx, function.DefinitionRequest{}, &def)
	var vresp function.DefinitionValidateResponse
	def.Definition.ValidateImplementation(ctx, function.DefinitionValidateRequest{FuncName: meta.Name}, &vresp)
	if vresp.Diagnostics.HasError() {
		t.Fatalf("definition: %v", vresp.Diagnostics)
	}
	if def.Definition.MarkdownDescription == "" || def.Definition.Parameters[0].GetMarkdownDescription() == "" {
		t.Error("function or parameter lacks a description")
	}
}

// No server is involved: the function reads only the text, so the
// configuration needs no provider settings.
func TestAccScriptParamsFunction(t *testing.T) {
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{needsFunctions},
		Steps: []resource.TestStep{
			{
				Config: `
locals {
  script = <<-EOT
    // params.commented is not a reference
    from(bucket: params.bucket)
      |> range(start: params["start"])
      |> filter(fn: (r) => r.host == params.bucket)
  EOT
}

output "names" {
  value = provider::influxdb::script_params(local.script)
}

output "none" {
  value = provider::influxdb::script_params("from(bucket: \"fixed\")")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("names", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact("bucket"), knownvalue.StringExact("start"),
					})),
					statecheck.ExpectKnownOutputValue("none", knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}

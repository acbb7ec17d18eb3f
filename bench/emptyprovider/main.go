// Command emptyprovider is the yardstick of the provider start-up benchmark:
// a terraform-plugin-framework provider with no settings, resources, data
// sources or functions, served the same way as the real provider. The
// benchmark measures `terraform providers schema -json` against both.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/sdklogs"
)

// Address is where the benchmark's CLI configuration finds this provider
// (through dev_overrides); the binary is terraform-provider-benchempty.
const Address = "registry.terraform.io/tf-influxdb/benchempty"

type emptyProvider struct{}

func (emptyProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "benchempty"
}

func (emptyProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{}
}

func (emptyProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (emptyProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

func (emptyProvider) Resources(context.Context) []func() resource.Resource { return nil }

func main() {
	sdklogs.Quiet() // as the provider does
	err := providerserver.Serve(context.Background(), func() provider.Provider { return emptyProvider{} }, providerserver.ServeOpts{Address: Address})
	if err != nil {
		log.Fatal(err)
	}
}

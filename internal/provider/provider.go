// Package provider implements the Terraform provider for InfluxDB Cloud
// API-invocable scripts on terraform-plugin-framework. HTTP lives in
// internal/influxdb; this package turns Terraform requests into client calls
// and client errors into diagnostics.
package provider

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/tf-influxdb/influxdb"

var (
	_ provider.Provider                       = (*influxProvider)(nil)
	_ provider.ProviderWithFunctions          = (*influxProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*influxProvider)(nil)
)

// New returns a constructor for the provider, as providerserver wants it.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &influxProvider{version: version} }
}

type influxProvider struct {
	version string
}

// envLogBodies turns on request and response body logging at debug level.
const envLogBodies = "INFLUXDB_LOG_BODIES"

func (p *influxProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "influxdb"
	resp.Version = p.version
}

func (p *influxProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages InfluxDB Cloud API-invocable scripts. Every setting can also come from an environment variable; a value in the configuration wins over the environment.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Base URL of the InfluxDB Cloud region, e.g. `https://us-east-1-1.aws.cloud2.influxdata.com`. Required in the end." + envNote("url"),
				Validators:          []validator.String{httpURLValidator{}},
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "API token with read and write permission on scripts. Required in the end; never logged." + envNote("token"),
			},
			"org_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Default organization ID (16 hexadecimal characters) for scripts." + envNote("org_id"),
				Validators:          []validator.String{orgIDValidator()},
			},
			"org": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Default organization name, resolved to an ID with one request only when an ID is needed and `org_id` is not set." + envNote("org"),
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"insecure_skip_verify": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Skip TLS certificate verification. Defaults to `false`; only for testing." + envNote("insecure_skip_verify"),
			},
			"ca_certificate": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Extra trusted CA certificate in PEM form, for proxies and gateways with their own CA." + envNote("ca_certificate"),
				Validators:          []validator.String{pemValidator{}},
			},
			"timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Time limit for each HTTP request, as a Go duration such as `30s` or `2m`. Defaults to `" + influxdb.DefaultTimeout.String() + "`." + envNote("timeout"),
				Validators:          []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("How many times a failed request that is safe to repeat is retried (rate limits, 502/503/504, dropped connections). Defaults to `%d`.", influxdb.DefaultMaxRetries) + envNote("max_retries"),
				Validators:          []validator.Int64{int64validator.Between(0, maxRetriesLimit)},
			},
			"scripts_api": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Which API generation to speak: `scripts` (`/api/v2/scripts`, current InfluxDB Cloud), `functions` (`/api/v2/functions`, the older generation), or `auto` (default: detect it on first use, once per provider process, with one list request, or two on a server that only has `/api/v2/functions`)." + envNote("scripts_api"),
				Validators:          []validator.String{stringvalidator.OneOf(scriptsAPIs...)},
			},
			"batch_reads": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Read many scripts of an organization from its list pages (500 scripts a request) instead of one request per script, when a refresh reads several at once, and confirm deletions that finish together with one listing. Defaults to `true`. A script missing from the pages is still read on its own, and a single script always is. Set `false` for a server whose list answers leave scripts out." + envNote("batch_reads"),
			},
		},
	}
}

func (p *influxProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	s, diags := readSettings(ctx, req.Config)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	data := configureProvider(ctx, s, p.version)
	// Problems with the settings are reported now; a value that is unknown
	// until apply is reported only when a resource needs the client.
	resp.Diagnostics.Append(data.configDiags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

func (p *influxProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewInvocableScriptResource, NewScriptTaskResource}
}

func (p *influxProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewScriptsDataSource, NewScriptDataSource, NewInvocationDataSource, NewScriptTasksDataSource}
}

func (p *influxProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{NewInvocationEphemeralResource}
}

func (p *influxProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{NewScriptParamsFunction}
}

// configureProvider turns the settings into providerData. It makes no
// network request: the server may not exist yet when Terraform configures
// the provider (it can be created in the same apply).
func configureProvider(ctx context.Context, s settings, version string) *providerData {
	d := &providerData{token: s.str("token")}
	if unknown := s.unknown(); len(unknown) > 0 {
		d.unknown = unknown
		return d
	}
	s.check(&d.configDiags)
	if u, err := influxdb.ParseBaseURL(s.str("url")); err == nil && u.Scheme == "http" && !influxdb.IsLoopback(u) {
		d.configDiags.AddAttributeWarning(path.Root("url"), "Token Sent Without Encryption",
			fmt.Sprintf("The URL %s uses plain http to a host that is not this machine, so the API token travels unencrypted. Use https unless the network path is trusted.", u.Redacted()))
	}
	insecure := s.boolean("insecure_skip_verify")
	if insecure {
		d.configDiags.AddAttributeWarning(path.Root("insecure_skip_verify"), "TLS Verification Disabled",
			"insecure_skip_verify is true: the provider does not check the server's certificate, so anyone on the network path could read the token. Use ca_certificate to trust a private CA instead.")
	}
	if d.configDiags.HasError() {
		return d
	}
	d.orgID, d.orgName = s.str("org_id"), s.str("org")
	d.logBodies, _ = strconv.ParseBool(os.Getenv(envLogBodies))
	opts := []influxdb.Option{
		influxdb.WithUserAgent("terraform-provider-influxdb/" + version),
		influxdb.WithTimeout(s.duration("timeout", influxdb.DefaultTimeout)),
		influxdb.WithTLS(s.str("ca_certificate"), insecure),
		influxdb.WithMaxRetries(int(s.int64("max_retries", influxdb.DefaultMaxRetries))),
		influxdb.WithBatchReads(!s["batch_reads"].set || s.boolean("batch_reads")),
		influxdb.WithLogger(d.logFunc(), d.logBodies),
	}
	if api := s.str("scripts_api"); api != "" {
		opts = append(opts, influxdb.WithAPI(influxdb.API(api)))
	}

	client, err := influxdb.New(s.str("url"), s.str("token"), opts...)
	if err != nil {
		d.configDiags.AddError("Unable To Create InfluxDB Client",
			"The provider settings were accepted one by one, but the client could not be built from them. Check url, ca_certificate and timeout.\n\n"+d.redact(err.Error()))
		return d
	}
	d.client = client
	tflogDebug(ctx, d, "configured InfluxDB provider", map[string]any{"url": s.str("url"), "scripts_api": s.str("scripts_api")})
	return d
}

func checkPEM(s string) error {
	rest := []byte(s)
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no CERTIFICATE block found")
	}
	return nil
}

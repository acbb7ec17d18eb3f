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
	"regexp"
	"strconv"
	"strings"
	"time"

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
	"github.com/hashicorp/terraform-plugin-framework/types"

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

type providerModel struct {
	URL                types.String `tfsdk:"url"`
	Token              types.String `tfsdk:"token"`
	OrgID              types.String `tfsdk:"org_id"`
	Org                types.String `tfsdk:"org"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
	CACertificate      types.String `tfsdk:"ca_certificate"`
	Timeout            types.String `tfsdk:"timeout"`
	MaxRetries         types.Int64  `tfsdk:"max_retries"`
	ScriptsAPI         types.String `tfsdk:"scripts_api"`
}

// Environment variables read when a setting is not in the configuration;
// the first one set wins.
var providerEnv = map[string][]string{
	"url":                  {"INFLUXDB_URL", "INFLUX_HOST"},
	"token":                {"INFLUXDB_TOKEN", "INFLUX_TOKEN"},
	"org_id":               {"INFLUXDB_ORG_ID", "INFLUX_ORG_ID"},
	"org":                  {"INFLUXDB_ORG", "INFLUX_ORG"},
	"insecure_skip_verify": {"INFLUXDB_INSECURE_SKIP_VERIFY"},
	"ca_certificate":       {"INFLUXDB_CA_CERTIFICATE"},
	"timeout":              {"INFLUXDB_TIMEOUT"},
	"max_retries":          {"INFLUXDB_MAX_RETRIES"},
	"scripts_api":          {"INFLUXDB_SCRIPTS_API"},
}

// envLogBodies turns on request and response body logging at debug level.
const envLogBodies = "INFLUXDB_LOG_BODIES"

func (p *influxProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "influxdb"
	resp.Version = p.version
}

func envNote(attr string) string {
	vars := providerEnv[attr]
	return fmt.Sprintf(" Falls back to the `%s` environment variable%s.", strings.Join(vars, "` then `"), plural(len(vars)))
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
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
				MarkdownDescription: "Time limit for each HTTP request, as a Go duration such as `30s` or `2m`. Defaults to `30s`." + envNote("timeout"),
				Validators:          []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "How many times a failed request that is safe to repeat is retried (rate limits, 502/503/504, dropped connections). Defaults to `5`." + envNote("max_retries"),
				Validators:          []validator.Int64{int64validator.Between(0, 100)},
			},
			"scripts_api": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Which API generation to speak: `scripts` (`/api/v2/scripts`, current InfluxDB Cloud), `functions` (`/api/v2/functions`, the older generation), or `auto` (default: detect it on first use, once per provider process, with one list request, or two on a server that only has `/api/v2/functions`)." + envNote("scripts_api"),
				Validators:          []validator.String{stringvalidator.OneOf(string(influxdb.APIAuto), string(influxdb.APIScripts), string(influxdb.APIFunctions))},
			},
		},
	}
}

func (p *influxProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := configureProvider(ctx, cfg, p.version)
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

// setting is one provider setting after the configuration and environment
// have been consulted.
type setting struct {
	value   string
	set     bool
	unknown bool
	source  string // "configuration" or the environment variable's name
}

func stringSetting(v types.String, attr string) setting {
	if v.IsUnknown() {
		return setting{unknown: true}
	}
	if !v.IsNull() {
		return setting{value: v.ValueString(), set: true, source: "configuration"}
	}
	return envSetting(attr)
}

func envSetting(attr string) setting {
	for _, name := range providerEnv[attr] {
		if val, ok := os.LookupEnv(name); ok && val != "" {
			return setting{value: val, set: true, source: name}
		}
	}
	return setting{}
}

var orgIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func attrHelp(attr string) string {
	return fmt.Sprintf("Set %q in the provider block or the %s environment variable.", attr, strings.Join(providerEnv[attr], " or "))
}

// configureProvider turns the configuration into providerData. It makes no
// network request: the server may not exist yet when Terraform configures
// the provider (it can be created in the same apply).
func configureProvider(ctx context.Context, cfg providerModel, version string) *providerData {
	d := &providerData{}
	urlS := stringSetting(cfg.URL, "url")
	tokenS := stringSetting(cfg.Token, "token")
	orgIDSetting := stringSetting(cfg.OrgID, "org_id")
	orgS := stringSetting(cfg.Org, "org")
	caS := stringSetting(cfg.CACertificate, "ca_certificate")
	timeoutS := stringSetting(cfg.Timeout, "timeout")
	apiS := stringSetting(cfg.ScriptsAPI, "scripts_api")

	if tokenS.set {
		d.token = tokenS.value
	}

	var unknown []string
	for attr, s := range map[string]setting{"url": urlS, "token": tokenS, "org_id": orgIDSetting, "org": orgS, "ca_certificate": caS, "timeout": timeoutS, "scripts_api": apiS} {
		if s.unknown {
			unknown = append(unknown, attr)
		}
	}
	if cfg.InsecureSkipVerify.IsUnknown() {
		unknown = append(unknown, "insecure_skip_verify")
	}
	if cfg.MaxRetries.IsUnknown() {
		unknown = append(unknown, "max_retries")
	}
	if len(unknown) > 0 {
		d.unknown = unknown
		return d
	}

	opts := []influxdb.Option{influxdb.WithUserAgent("terraform-provider-influxdb/" + version)}

	if !urlS.set {
		d.configDiags.AddAttributeError(path.Root("url"), "Missing InfluxDB URL",
			"The provider needs the URL of your InfluxDB Cloud region. "+attrHelp("url"))
	} else if u, err := influxdb.ParseBaseURL(urlS.value); err != nil {
		d.configDiags.AddAttributeError(path.Root("url"), "Invalid InfluxDB URL",
			fmt.Sprintf("The URL from %s cannot be used. Give an http(s) URL such as https://us-east-1-1.aws.cloud2.influxdata.com.\n\n%s", urlS.source, err))
	} else if u.Scheme == "http" && !influxdb.IsLoopback(u) {
		d.configDiags.AddAttributeWarning(path.Root("url"), "Token Sent Without Encryption",
			fmt.Sprintf("The URL %s uses plain http to a host that is not this machine, so the API token travels unencrypted. Use https unless the network path is trusted.", u.Redacted()))
	}
	if !tokenS.set {
		d.configDiags.AddAttributeError(path.Root("token"), "Missing InfluxDB Token",
			"The provider needs an API token with permission to read and write scripts. "+attrHelp("token"))
	}
	if orgIDSetting.set {
		if !orgIDPattern.MatchString(orgIDSetting.value) {
			d.configDiags.AddAttributeError(path.Root("org_id"), "Invalid Organization ID",
				fmt.Sprintf("The organization ID from %s must be 16 lowercase hexadecimal characters (find it in the Cloud UI under your organization's settings).", orgIDSetting.source))
		}
		d.orgID = orgIDSetting.value
	}
	if orgS.set {
		d.orgName = orgS.value
	}
	if caS.set {
		if err := checkPEM(caS.value); err != nil {
			d.configDiags.AddAttributeError(path.Root("ca_certificate"), "Invalid CA Certificate",
				fmt.Sprintf("The certificate from %s is not usable. Give one or more PEM-encoded certificates.\n\n%s", caS.source, err))
		}
	}
	if timeoutS.set {
		t, err := time.ParseDuration(timeoutS.value)
		if err != nil || t <= 0 {
			d.configDiags.AddAttributeError(path.Root("timeout"), "Invalid Timeout",
				fmt.Sprintf("The timeout %q from %s is not a positive duration. Use a value such as 30s or 2m.", timeoutS.value, timeoutS.source))
		} else {
			opts = append(opts, influxdb.WithTimeout(t))
		}
	}
	if apiS.set {
		switch influxdb.API(apiS.value) {
		case influxdb.APIAuto, influxdb.APIScripts, influxdb.APIFunctions:
			opts = append(opts, influxdb.WithAPI(influxdb.API(apiS.value)))
		default:
			d.configDiags.AddAttributeError(path.Root("scripts_api"), "Invalid Scripts API",
				fmt.Sprintf("The value %q from %s is not one of auto, scripts, functions.", apiS.value, apiS.source))
		}
	}

	insecure := false
	if !cfg.InsecureSkipVerify.IsNull() {
		insecure = cfg.InsecureSkipVerify.ValueBool()
	} else if s := envSetting("insecure_skip_verify"); s.set {
		b, err := strconv.ParseBool(s.value)
		if err != nil {
			d.configDiags.AddAttributeError(path.Root("insecure_skip_verify"), "Invalid Insecure Skip Verify",
				fmt.Sprintf("%s=%q is not a boolean. Use true or false.", s.source, s.value))
		}
		insecure = b
	}
	if insecure {
		d.configDiags.AddAttributeWarning(path.Root("insecure_skip_verify"), "TLS Verification Disabled",
			"insecure_skip_verify is true: the provider does not check the server's certificate, so anyone on the network path could read the token. Use ca_certificate to trust a private CA instead.")
	}
	opts = append(opts, influxdb.WithTLS(caS.value, insecure))

	retries := int64(influxdb.DefaultMaxRetries)
	if !cfg.MaxRetries.IsNull() {
		retries = cfg.MaxRetries.ValueInt64()
	} else if s := envSetting("max_retries"); s.set {
		n, err := strconv.ParseInt(s.value, 10, 64)
		if err != nil || n < 0 || n > 100 {
			d.configDiags.AddAttributeError(path.Root("max_retries"), "Invalid Max Retries",
				fmt.Sprintf("%s=%q is not a whole number between 0 and 100.", s.source, s.value))
		}
		retries = n
	}
	opts = append(opts, influxdb.WithMaxRetries(int(max(retries, 0))))
	if v, _ := strconv.ParseBool(os.Getenv(envLogBodies)); v {
		d.logBodies = true
	}
	opts = append(opts, influxdb.WithLogger(d.logFunc(), d.logBodies))

	if d.configDiags.HasError() {
		return d
	}
	client, err := influxdb.New(urlS.value, tokenS.value, opts...)
	if err != nil {
		d.configDiags.AddError("Unable To Create InfluxDB Client",
			"The provider settings were accepted one by one, but the client could not be built from them. Check url, ca_certificate and timeout.\n\n"+d.redact(err.Error()))
		return d
	}
	d.client = client
	tflogDebug(ctx, d, "configured InfluxDB provider", map[string]any{"url": urlS.value, "scripts_api": apiS.value})
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

package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// orgIDValidator accepts InfluxDB organization IDs: 16 lowercase hex characters.
func orgIDValidator() validator.String {
	return stringvalidator.RegexMatches(orgIDPattern, "must be an InfluxDB organization ID: 16 lowercase hexadecimal characters, e.g. 0a1b2c3d4e5f6071")
}

// httpURLValidator accepts absolute http(s) URLs with a host.
type httpURLValidator struct{}

func (httpURLValidator) Description(ctx context.Context) string {
	return "value must be an http:// or https:// URL with a host"
}

func (v httpURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (httpURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := influxdb.ParseBaseURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid InfluxDB URL",
			fmt.Sprintf("Give the base URL of your InfluxDB Cloud region, such as https://us-east-1-1.aws.cloud2.influxdata.com.\n\n%s", err))
	}
}

// durationValidator accepts positive Go durations such as "30s".
type durationValidator struct{}

func (durationValidator) Description(ctx context.Context) string {
	return "value must be a positive duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, ok := positiveDuration(req.ConfigValue.ValueString()); !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%q is not a positive duration. Use a number with a unit, such as 30s, 90s or 2m.", req.ConfigValue.ValueString()))
	}
}

// pemValidator accepts one or more PEM certificates.
type pemValidator struct{}

func (pemValidator) Description(ctx context.Context) string {
	return "value must hold one or more PEM-encoded certificates"
}

func (v pemValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (pemValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkPEM(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CA Certificate",
			fmt.Sprintf("Give the CA certificate in PEM form (-----BEGIN CERTIFICATE----- ...).\n\n%s", err))
	}
}

// trimmedValidator refuses leading or trailing white space, which InfluxDB
// would keep and which makes names look equal when they are not.
type trimmedValidator struct{}

func (trimmedValidator) Description(ctx context.Context) string {
	return "value must not start or end with white space"
}

func (v trimmedValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (trimmedValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v := req.ConfigValue.ValueString()
	if strings.TrimSpace(v) != v {
		resp.Diagnostics.AddAttributeError(req.Path, "Name Has Surrounding White Space",
			fmt.Sprintf("The name %q starts or ends with white space. Remove it: InfluxDB keeps it, and the script would be invoked and listed under a name that looks like another.", v))
	}
}

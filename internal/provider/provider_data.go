package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// providerData is what Configure hands to resources and data sources.
type providerData struct {
	client      *influxdb.Client // nil when the configuration was unknown or invalid
	token       string           // kept only to mask it in logs and errors
	orgID       string           // configured default organization ID
	orgName     string           // configured default organization name
	logBodies   bool
	unknown     []string // settings that were unknown when the provider was configured
	configDiags diag.Diagnostics

	orgMu       sync.Mutex
	resolvedOrg string

	scriptTasks scriptTaskIndex // which tasks run which scripts, for script destroys
}

// providerDataFrom is what every Configure does with the provider's data:
// nil before the provider is configured (Terraform validates configurations
// first), and a *providerData after.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	d, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data", fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return d
}

// clientOrError returns the client, or a diagnostic explaining why there is none.
func (d *providerData) clientOrError() (*influxdb.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	switch {
	case d == nil:
		diags.AddError("Provider Not Configured",
			"The InfluxDB provider was not configured before it was used. This is a bug in the provider or Terraform; please report it.")
	case len(d.unknown) > 0:
		diags.AddError("Provider Configuration Not Yet Known",
			fmt.Sprintf("The provider settings %s depend on values that are known only after apply, but this operation needs to reach InfluxDB now. Apply the resources those settings come from first (for example with -target), or give the values directly.", strings.Join(d.unknown, ", ")))
	case d.client == nil:
		diags.AddError("Provider Not Configured",
			"The InfluxDB provider has no usable client; see the errors reported for the provider configuration.")
	default:
		return d.client, nil
	}
	return nil, diags
}

// begin is the opening of every resource operation: the client, and a
// context bounded by the operation's time limit (limit, else def) that masks
// the token in logs. cancel is never nil; client is nil when diags got an
// error.
func (d *providerData) begin(ctx context.Context, limit func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc, *influxdb.Client) {
	client, dd := d.clientOrError()
	if diags.Append(dd...); dd.HasError() {
		return ctx, func() {}, nil
	}
	timeout, dd := limit(ctx, def)
	if diags.Append(dd...); dd.HasError() {
		return ctx, func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return d.maskToken(ctx), cancel, client
}

// beginRead is the shared opening of a data source's Read: the client, a
// context that masks the token in logs, and the organization to read from
// (see orgFor). ok is false when diags got an error.
func (d *providerData) beginRead(ctx context.Context, configuredOrg types.String, diags *diag.Diagnostics) (_ context.Context, _ *influxdb.Client, orgID string, ok bool) {
	client, dd := d.clientOrError()
	if diags.Append(dd...); dd.HasError() {
		return ctx, nil, "", false
	}
	ctx = d.maskToken(ctx)
	orgID, ok = d.orgFor(ctx, configuredOrg, "", diags)
	return ctx, client, orgID, ok
}

// orgFor is the organization an operation works in: the configured one when
// known, else the provider's (see defaultOrgID). notDone completes the error
// sentence when the provider's org name cannot be resolved, e.g. ", so the
// task was not created".
func (d *providerData) orgFor(ctx context.Context, configured types.String, notDone string, diags *diag.Diagnostics) (string, bool) {
	if !configured.IsNull() && !configured.IsUnknown() {
		return configured.ValueString(), true
	}
	id, err := d.defaultOrgID(ctx)
	if err != nil {
		d.addClientError(diags, "Unable To Resolve Organization",
			fmt.Sprintf("The provider's org %q could not be turned into an organization ID%s.", d.orgName, notDone), err)
		return "", false
	}
	return id, true
}

// defaultOrgID returns the organization ID scripts go to when a resource
// does not name one: org_id, else the org name resolved with one request
// (cached for the provider's life), else "" (the server decides from the token).
func (d *providerData) defaultOrgID(ctx context.Context) (string, error) {
	if d.orgID != "" || d.orgName == "" {
		return d.orgID, nil
	}
	d.orgMu.Lock()
	defer d.orgMu.Unlock()
	if d.resolvedOrg != "" {
		return d.resolvedOrg, nil
	}
	id, err := d.client.LookupOrgID(ctx, d.orgName)
	if err != nil {
		return "", err
	}
	d.resolvedOrg = id
	return id, nil
}

// logFunc adapts the client's debug events to tflog, masking the token in
// messages and every field value whatever the caller's context holds.
func (d *providerData) logFunc() influxdb.LogFunc {
	return func(ctx context.Context, msg string, fields map[string]any) {
		tflogDebug(ctx, d, msg, fields)
	}
}

func tflogDebug(ctx context.Context, d *providerData, msg string, fields map[string]any) {
	ctx = d.maskToken(ctx)
	tflog.Debug(ctx, msg, fields)
}

// maskToken registers the token with terraform-plugin-log so that it is
// replaced in any message or field logged with the returned context. Tokens
// too short for influxdb.Redact are left alone here too.
func (d *providerData) maskToken(ctx context.Context) context.Context {
	if d == nil || len(d.token) < influxdb.MinRedactLen {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, d.token)
	ctx = tflog.MaskMessageStrings(ctx, d.token)
	return ctx
}

// redact removes the token from text that is about to reach the user.
func (d *providerData) redact(s string) string {
	if d == nil {
		return s
	}
	return influxdb.Redact(s, d.token)
}
